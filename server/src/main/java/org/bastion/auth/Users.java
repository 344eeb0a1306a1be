package org.bastion.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bastion.config.SettingsException;
import org.bastion.policy.Role;
import org.bastion.policy.User;

/**
 * The users file, read whole and checked line by line. A line is memcached's {@code user:password}, optionally
 * followed by options after a space: {@code role=full|readonly|read,write,...} and {@code prefix=<key prefix>}.
 * Every memcached line whose password has no space (memcached's login splits at spaces, so no other password can log
 * in there) means the same here. A password is plain or {@link PasswordHash hashed}. Blank lines and lines starting
 * with {@code #} are skipped; a last line without a newline is whole (memcached 1.4 cut its last byte).
 *
 * <p>A login is checked against every entry, in constant time per entry, so the time taken says nothing about which
 * names exist; a hashed password is derived once per login (for the matched entry, or a decoy when none matched).
 */
public final class Users {
    static final String FLAG = "--users";
    /** A file larger than this is refused: users files are small, and it is read into memory. */
    static final long MAX_FILE_BYTES = 16L * 1024 * 1024;
    static final int MAX_LINE = 4096;
    static final int MAX_NAME = 250;

    private final List<Entry> entries;
    private final Path file;
    /** Derived by logins that name no user, so a miss costs what a hit costs. */
    private final PasswordHash decoy;
    /**
     * SHA-256 of the last password that matched each hashed entry, so the next login with it costs a digest, not a
     * key derivation. One per user at most; a reload starts afresh.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, byte[]> verified =
            new java.util.concurrent.ConcurrentHashMap<>();

    private Users(Path file, List<Entry> entries) {
        this.file = file;
        this.entries = entries;
        PasswordHash anyHash = null;
        for (Entry e : entries) {
            if (e.hash != null) {
                anyHash = e.hash;
                break;
            }
        }
        this.decoy = anyHash;
    }

    /** One line of the file. {@code nameDigest}: SHA-256 of the name, compared in constant time. */
    private record Entry(User user, byte[] nameDigest, byte[] plainDigest, byte[] plain, PasswordHash hash,
            int line) {
    }

    /** Reads every entry or none: any unreadable file or bad line throws, naming the file and the line. */
    public static Users read(Path file) {
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new SettingsException(FLAG, file + " is over " + MAX_FILE_BYTES + " bytes; a users file"
                        + " holds one short line per user");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException | RuntimeException e) {
            if (e instanceof SettingsException s) {
                throw s;
            }
            throw new SettingsException(FLAG, "cannot read " + file + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); fix the path or its permissions");
        }
        return parse(file, bytes);
    }

    /** Parses a users file's bytes ({@code file} only names it in errors). */
    public static Users parse(Path file, byte[] bytes) {
        List<Entry> entries = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int start = 0;
        int lineNo = 0;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            lineNo++;
            int stop = end > start && bytes[end - 1] == '\r' ? end - 1 : end;
            Entry e = entry(file, lineNo, bytes, start, stop);
            if (e != null) {
                if (!names.add(e.user.name())) {
                    throw bad(file, lineNo, "user '" + e.user.name() + "' is listed twice");
                }
                entries.add(e);
            }
            start = end + 1;
        }
        return new Users(file, List.copyOf(entries));
    }

    private static Entry entry(Path file, int lineNo, byte[] bytes, int from, int to) {
        if (to - from > MAX_LINE) {
            throw bad(file, lineNo, "longer than " + MAX_LINE + " bytes");
        }
        String line = new String(bytes, from, to - from, StandardCharsets.UTF_8);
        if (line.isBlank() || line.stripLeading().startsWith("#")) {
            return null;
        }
        if (line.indexOf('\0') >= 0) {
            throw bad(file, lineNo, "contains a NUL byte");
        }
        int colon = line.indexOf(':');
        if (colon <= 0) {
            throw bad(file, lineNo, "is not user:password");
        }
        String name = line.substring(0, colon);
        if (name.length() > MAX_NAME || !printable(name)) {
            throw bad(file, lineNo, "the user name must be 1 to " + MAX_NAME + " printable characters without spaces");
        }
        String rest = line.substring(colon + 1);
        int space = firstSpace(rest);
        String password = space < 0 ? rest : rest.substring(0, space);
        if (password.isEmpty()) {
            throw bad(file, lineNo, "user '" + name + "' has an empty password");
        }
        Role role = Role.FULL;
        byte[] prefix = null;
        if (space >= 0) {
            for (String option : rest.substring(space).trim().split("[ \t]+")) {
                if (option.startsWith("role=")) {
                    role = Role.parse(FLAG + " " + file + " line " + lineNo, option.substring(5));
                } else if (option.startsWith("prefix=") && option.length() > 7) {
                    prefix = option.substring(7).getBytes(StandardCharsets.UTF_8);
                } else {
                    throw bad(file, lineNo, "'" + option + "' is not role=<role> or prefix=<key prefix>");
                }
            }
        }
        PasswordHash hash = null;
        if (password.startsWith(PasswordHash.PREFIX)) {
            String[] problem = new String[1];
            hash = PasswordHash.parse(password, problem);
            if (hash == null) {
                throw bad(file, lineNo, problem[0]);
            }
        }
        byte[] plain = hash == null ? password.getBytes(StandardCharsets.UTF_8) : null;
        return new Entry(new User(name, role, prefix), sha256(name.getBytes(StandardCharsets.UTF_8)),
                plain == null ? null : sha256(plain), plain, hash, lineNo);
    }

    private static int firstSpace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == ' ' || s.charAt(i) == '\t') {
                return i;
            }
        }
        return -1;
    }

    private static boolean printable(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static SettingsException bad(Path file, int line, String why) {
        // Never the line itself: it holds a password.
        return new SettingsException(FLAG, file + " line " + line + ": " + why);
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** The file these users came from (null when built in memory). */
    public Path file() {
        return file;
    }

    public int size() {
        return entries.size();
    }

    /** The user of this name with its role, or null: for identities proven otherwise (a client certificate). */
    public User find(String name) {
        byte[] digest = sha256(name.getBytes(StandardCharsets.UTF_8));
        User found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.nameDigest, digest)) {
                found = e.user;
            }
        }
        return found;
    }

    /** Whether some password is stored in plain text (an {@code audit} finding). */
    public boolean hasPlainPasswords() {
        return entries.stream().anyMatch(e -> e.plain != null);
    }

    /**
     * Checks a name and password against every entry; the user when they match, else null. The whole list is
     * scanned whatever matches, each comparison in constant time over fixed-length digests.
     */
    public User verify(byte[] name, byte[] password) {
        byte[] nameDigest = sha256(name);
        byte[] passwordDigest = sha256(password);
        Entry matched = null;
        boolean plainOk = false;
        for (Entry e : entries) {
            boolean sameName = MessageDigest.isEqual(e.nameDigest, nameDigest);
            boolean samePassword = e.plainDigest != null && MessageDigest.isEqual(e.plainDigest, passwordDigest);
            if (sameName) {
                matched = e;
                plainOk = samePassword;
            }
        }
        if (matched != null && matched.hash == null) {
            return plainOk ? matched.user : null;
        }
        if (matched != null) {
            byte[] known = verified.get(matched.user.name());
            if (known != null && MessageDigest.isEqual(known, passwordDigest)) {
                return matched.user;
            }
        }
        PasswordHash check = matched != null ? matched.hash : decoy;
        if (check == null || password.length == 0) {
            return null;
        }
        boolean ok = check.matches(password);
        if (ok && matched != null) {
            verified.put(matched.user.name(), passwordDigest);
            return matched.user;
        }
        return null;
    }

    /**
     * The plain password of a user, for CRAM-MD5 (which needs the shared secret itself), or null when the user is
     * unknown or its password is stored hashed.
     */
    byte[] plainSecret(byte[] name) {
        byte[] nameDigest = sha256(name);
        byte[] secret = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.nameDigest, nameDigest)) {
                secret = e.plain;
            }
        }
        return secret;
    }

    /** The user named, whatever its password (after a CRAM-MD5 proof), or null. */
    User byName(byte[] name) {
        return find(new String(name, StandardCharsets.UTF_8));
    }
}
