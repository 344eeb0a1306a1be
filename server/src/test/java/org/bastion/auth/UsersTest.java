package org.bastion.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.bastion.config.SettingsException;
import org.bastion.policy.Access;
import org.bastion.policy.Role;
import org.bastion.policy.User;
import org.junit.jupiter.api.Test;

/**
 * The users file, including the inputs memcached's authfile parser got wrong (a last line without a newline, NUL
 * bytes, a huge token, a stream of empty lines), password checks and the per-source login throttle.
 */
class UsersTest {
    private static final Path FILE = Path.of("users");

    private static Users parse(String text) {
        return Users.parse(FILE, text.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void memcachedLinesMeanTheSame() {
        Users users = parse("alice:secret\nbob:pw2");
        assertEquals(2, users.size());
        assertEquals("alice", users.verify(b("alice"), b("secret")).name());
        // memcached 1.4 cut the last byte of a last line without a newline; here it is whole.
        assertEquals("bob", users.verify(b("bob"), b("pw2")).name());
        assertNull(users.verify(b("bob"), b("pw")));
        assertNull(users.verify(b("alice"), b("secret2")));
        assertNull(users.verify(b("carol"), b("secret")));
        assertEquals(Role.FULL, users.find("alice").role());
        assertFalse(users.find("alice").confined());
        assertTrue(users.hasPlainPasswords());
    }

    @Test
    void crLfBlankLinesAndCommentsAreFine() {
        StringBuilder many = new StringBuilder("# users\r\n");
        for (int i = 0; i < 100_000; i++) {
            many.append(i % 2 == 0 ? "\n" : "\r\n");
        }
        many.append("alice:secret\r\n   \n");
        Users users = parse(many.toString());
        assertEquals(1, users.size());
        assertNotNull(users.verify(b("alice"), b("secret")));
    }

    @Test
    void badLinesNameTheLineNeverThePassword() {
        SettingsException nul = assertThrows(SettingsException.class, () -> parse("alice:secret\nb\0b:hunter2\n"));
        assertTrue(nul.getMessage().contains("line 2: contains a NUL byte"), nul.getMessage());
        assertFalse(nul.getMessage().contains("hunter2"));
        SettingsException huge = assertThrows(SettingsException.class,
                () -> parse("alice:" + "x".repeat(Users.MAX_LINE) + "\n"));
        assertTrue(huge.getMessage().contains("line 1: longer than"), huge.getMessage());
        assertThrows(SettingsException.class, () -> parse("y".repeat(300) + ":pw\n"));
        assertTrue(assertThrows(SettingsException.class, () -> parse("alice\n")).getMessage()
                .contains("not user:password"));
        assertTrue(assertThrows(SettingsException.class, () -> parse("alice:\n")).getMessage()
                .contains("empty password"));
        assertTrue(assertThrows(SettingsException.class, () -> parse("a:1\na:2\n")).getMessage()
                .contains("listed twice"));
        assertTrue(assertThrows(SettingsException.class, () -> parse("a:1 colour=red\n")).getMessage()
                .contains("'colour=red'"));
        assertTrue(assertThrows(SettingsException.class, () -> parse("a:1 role=superuser\n")).getMessage()
                .contains("superuser"));
        assertThrows(SettingsException.class, () -> parse("a:$pbkdf2-sha256$10$AAAA$BBBB\n"));
    }

    @Test
    void rolesAndPrefixes() {
        Users users = parse("ro:1 role=readonly\nrw:2 role=read,write prefix=tenant1:\nops:3 role=admin,dump\n");
        User ro = users.find("ro");
        assertTrue(ro.role().grants(Access.READ));
        assertFalse(ro.role().grants(Access.WRITE));
        User rw = users.find("rw");
        assertTrue(rw.confined());
        assertArrayEquals(b("tenant1:"), rw.keyPrefix());
        assertTrue(rw.role().grants(Access.WRITE));
        assertFalse(rw.role().grants(Access.FLUSH));
        User ops = users.find("ops");
        assertTrue(ops.role().grants(Access.PEEK));
        assertFalse(ops.role().grants(Access.READ));
        assertNull(users.find("nobody"));
    }

    @Test
    void hashedPasswords() {
        String line = PasswordHash.hash("correct horse".toCharArray(), 1000);
        assertTrue(line.startsWith("$pbkdf2-sha256$1000$"), line);
        Users users = parse("h:" + line + " role=readonly\np:plain\n");
        assertEquals("h", users.verify(b("h"), b("correct horse")).name());
        assertEquals("h", users.verify(b("h"), b("correct horse")).name(), "remembered success still checks");
        assertNull(users.verify(b("h"), b("correct horsE")));
        assertNull(users.verify(b("h"), b("")));
        assertNull(users.verify(b("nobody"), b("correct horse")), "an unknown name is checked against a decoy");
        assertNull(users.plainSecret(b("h")), "no plain secret for CRAM-MD5");
        assertArrayEquals(b("plain"), users.plainSecret(b("p")));
        assertFalse(parse("h:" + line + "\n").hasPlainPasswords());
    }

    @Test
    void throttleLocksOutARepeatedlyFailingSourceWithDoublingLockouts() throws Exception {
        AtomicLong now = new AtomicLong();
        LoginThrottle throttle = new LoginThrottle(now::get, 3);
        InetAddress a = InetAddress.getByName("10.0.0.1");
        for (int i = 0; i < LoginThrottle.FREE_FAILURES; i++) {
            assertEquals(0, throttle.failed(a));
            assertFalse(throttle.lockedOut(a));
        }
        assertEquals(TimeUnit.SECONDS.toNanos(1), throttle.failed(a));
        assertTrue(throttle.lockedOut(a));
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        assertFalse(throttle.lockedOut(a));
        assertEquals(TimeUnit.SECONDS.toNanos(2), throttle.failed(a));
        for (int i = 0; i < 40; i++) {
            assertTrue(throttle.failed(a) <= LoginThrottle.MAX_LOCKOUT_NANOS);
        }
        throttle.succeeded(a);
        assertFalse(throttle.lockedOut(a));
        for (int i = 2; i < 10; i++) {
            throttle.failed(InetAddress.getByName("10.0.0." + i));
        }
        assertEquals(3, throttle.tracked(), "the table is bounded");
    }

    @Test
    void authenticatorChecksPlainAndCramMd5() throws Exception {
        Users users = parse("alice:secret\nh:" + PasswordHash.hash("pw".toCharArray(), 1000) + "\n");
        Authenticator auth = new Authenticator(users, new LoginThrottle());
        InetAddress src = InetAddress.getLoopbackAddress();
        assertTrue(auth.plain(src, b("\0alice\0secret")).ok());
        assertTrue(auth.plain(src, b("alice\0alice\0secret")).ok());
        assertFalse(auth.plain(src, b("bob\0alice\0secret")).ok(), "authzid must be the user");
        assertFalse(auth.plain(src, b("alice secret")).ok());
        assertTrue(auth.plain(src, b("\0h\0pw")).ok());
        byte[] challenge = Authenticator.challenge();
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacMD5");
        mac.init(new javax.crypto.spec.SecretKeySpec(b("secret"), "HmacMD5"));
        String digest = java.util.HexFormat.of().formatHex(mac.doFinal(challenge));
        assertEquals("alice", auth.cramMd5(src, challenge, b("alice " + digest)).user().name());
        assertFalse(auth.cramMd5(src, Authenticator.challenge(), b("alice " + digest)).ok(), "another challenge");
        assertFalse(auth.cramMd5(src, challenge, b("h " + digest)).ok(), "hashed users cannot use CRAM-MD5");
        assertFalse(auth.cramMd5(src, challenge, b("garbage")).ok());
    }
}
