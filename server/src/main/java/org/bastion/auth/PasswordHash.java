package org.bastion.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Hashed passwords in the users file: {@code $pbkdf2-sha256$<iterations>$<salt>$<hash>}, salt and hash in unpadded
 * base64, PBKDF2-HMAC-SHA256 from the JDK (no extra dependency). Comparisons take the same time whatever matched.
 */
public final class PasswordHash {
    /** What a hashed password field starts with. */
    public static final String PREFIX = "$pbkdf2-sha256$";
    /**
     * {@code bastion passwd}'s default. Lower than OWASP's 600,000 because a login is checked on the connection's
     * event loop: about 50 ms of one core here, bounded per source by the login throttle, and a successful login's
     * result is remembered (see {@link Users#verify}) so reconnecting clients do not pay it again.
     */
    public static final int DEFAULT_ITERATIONS = 100_000;
    static final int MIN_ITERATIONS = 1_000;
    static final int MAX_ITERATIONS = 10_000_000;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int iterations;
    private final byte[] salt;
    private final byte[] hash;

    private PasswordHash(int iterations, byte[] salt, byte[] hash) {
        this.iterations = iterations;
        this.salt = salt;
        this.hash = hash;
    }

    /** Hashes a password with a fresh random salt. */
    public static String hash(char[] password, int iterations) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return PREFIX + iterations + "$" + B64.encodeToString(salt) + "$"
                + B64.encodeToString(derive(password, salt, iterations, HASH_BYTES));
    }

    /** Parses a stored hash; null with {@code problem[0]} set when it is not one this class can check. */
    static PasswordHash parse(String field, String[] problem) {
        String[] parts = field.substring(PREFIX.length()).split("\\$", -1);
        if (parts.length != 3) {
            problem[0] = "a hashed password is " + PREFIX + "<iterations>$<salt>$<hash>";
            return null;
        }
        int iterations;
        try {
            iterations = Integer.parseInt(parts[0]);
        } catch (NumberFormatException e) {
            iterations = -1;
        }
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
            problem[0] = "iterations must be " + MIN_ITERATIONS + " to " + MAX_ITERATIONS;
            return null;
        }
        try {
            byte[] salt = Base64.getDecoder().decode(parts[1]);
            byte[] hash = Base64.getDecoder().decode(parts[2]);
            if (salt.length < 8 || hash.length < 16) {
                problem[0] = "salt or hash too short";
                return null;
            }
            return new PasswordHash(iterations, salt, hash);
        } catch (IllegalArgumentException e) {
            problem[0] = "salt and hash must be base64";
            return null;
        }
    }

    /** Whether {@code password} hashes to this; constant time in the comparison. */
    boolean matches(byte[] password) {
        char[] chars = new String(password, StandardCharsets.UTF_8).toCharArray();
        return MessageDigest.isEqual(derive(chars, salt, iterations, hash.length), hash);
    }

    private static byte[] derive(char[] password, byte[] salt, int iterations, int bytes) {
        try {
            PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, bytes * 8);
            try {
                return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            } finally {
                spec.clearPassword();
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is part of every JDK", e);
        }
    }
}
