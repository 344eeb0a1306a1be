package org.bastion.auth;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicReference;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bastion.policy.User;

/**
 * Checks logins of every kind against the current {@link Users} (replaced whole on reload, so connections that
 * already logged in keep their user) and the {@link LoginThrottle}: memcached's text login ({@code user password}),
 * SASL PLAIN ({@code [authzid] NUL user NUL password}) and SASL CRAM-MD5 (RFC 2195: a challenge, then
 * {@code user hex(HMAC-MD5(password, challenge))}). It only answers; counting and logging are the caller's.
 */
public final class Authenticator {
    /** What SASL_LIST_MECHS answers: memcached 1.6.18 with Cyrus SASL lists the same two in this order. */
    public static final String MECHANISMS = "PLAIN CRAM-MD5";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A login's result: the user, or null with the name tried (for the log) and whether the source was locked out. */
    public record Result(User user, String name, boolean lockedOut) {
        public boolean ok() {
            return user != null;
        }
    }

    private final AtomicReference<Users> users;
    private final LoginThrottle throttle;

    public Authenticator(Users users, LoginThrottle throttle) {
        this.users = new AtomicReference<>(users);
        this.throttle = throttle;
    }

    /** Reads the users file again; on any problem the previous users stay and the exception says why. */
    public void reload(Path file) {
        users.set(Users.read(file));
    }

    public Users users() {
        return users.get();
    }

    /** memcached's text login and SASL PLAIN, once the name and password are split out. */
    public Result password(InetAddress source, byte[] name, byte[] password) {
        if (throttle.lockedOut(source)) {
            return new Result(null, text(name), true);
        }
        return judge(source, name, users.get().verify(name, password));
    }

    /** SASL PLAIN's message: {@code [authzid] NUL authcid NUL password}; an authzid, if any, must name the same user. */
    public Result plain(InetAddress source, byte[] message) {
        int first = indexOf(message, 0);
        int second = first < 0 ? -1 : indexOf(message, first + 1);
        if (second < 0) {
            return failed(source, "");
        }
        byte[] authzid = java.util.Arrays.copyOfRange(message, 0, first);
        byte[] name = java.util.Arrays.copyOfRange(message, first + 1, second);
        byte[] password = java.util.Arrays.copyOfRange(message, second + 1, message.length);
        if (authzid.length > 0 && !java.util.Arrays.equals(authzid, name)) {
            return failed(source, text(name));
        }
        return password(source, name, password);
    }

    /** A fresh CRAM-MD5 challenge, in RFC 2195's form. */
    public static byte[] challenge() {
        return ("<" + Long.toUnsignedString(RANDOM.nextLong()) + "." + System.currentTimeMillis() + "@bastion>")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** CRAM-MD5's answer to {@code challenge}: {@code user SP hex-digest}. Needs the user's plain password. */
    public Result cramMd5(InetAddress source, byte[] challenge, byte[] response) {
        int space = -1;
        for (int i = response.length - 1; i >= 0; i--) {
            if (response[i] == ' ') {
                space = i;
                break;
            }
        }
        if (space <= 0) {
            return failed(source, "");
        }
        byte[] name = java.util.Arrays.copyOfRange(response, 0, space);
        if (throttle.lockedOut(source)) {
            return new Result(null, text(name), true);
        }
        byte[] digest = java.util.Arrays.copyOfRange(response, space + 1, response.length);
        Users current = users.get();
        byte[] secret = current.plainSecret(name);
        // Without a plain secret the HMAC is taken under a random key, so a miss costs what a hit costs.
        byte[] key = secret != null ? secret : challenge();
        byte[] expected = HexFormat.of().formatHex(hmacMd5(key, challenge)).getBytes(StandardCharsets.US_ASCII);
        boolean ok = MessageDigest.isEqual(expected, digest) && secret != null;
        return judge(source, name, ok ? current.byName(name) : null);
    }

    private Result judge(InetAddress source, byte[] name, User user) {
        if (user == null) {
            return failed(source, text(name));
        }
        throttle.succeeded(source);
        return new Result(user, user.name(), false);
    }

    private Result failed(InetAddress source, String name) {
        throttle.failed(source);
        return new Result(null, name, false);
    }

    private static byte[] hmacMd5(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacMD5");
            mac.init(new SecretKeySpec(key, "HmacMD5"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacMD5 is part of every JDK", e);
        }
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    /** A user name for the log: printable ASCII only, at most 64 characters, so a hostile name cannot forge lines. */
    private static String text(byte[] name) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < name.length && s.length() < 64; i++) {
            int c = name[i] & 0xff;
            s.append(c > ' ' && c < 0x7f ? (char) c : '?');
        }
        return s.toString();
    }
}
