package org.bastion.policy;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import org.bastion.config.SettingsException;

/**
 * What a user may do, as the set of {@link Access} kinds it is granted: {@code full} (everything), {@code readonly}
 * (reads only) or a comma-separated list of rights: {@code read}, {@code write}, {@code flush}, {@code shutdown},
 * {@code admin} (also {@code verbosity}), {@code dump} (key listings, {@code watch}). The same right covers a command in every protocol: text
 * {@code get}, meta {@code mg} and binary GET are all {@code read}.
 */
public record Role(String name, Set<Access> granted) {
    public static final Role FULL = new Role("full", EnumSet.complementOf(EnumSet.of(Access.AUTHENTICATE)));
    public static final Role READ_ONLY = new Role("readonly", EnumSet.of(Access.READ));

    public Role {
        granted = Set.copyOf(granted);
    }

    /** Whether this role may run a command of this kind (authenticating is everyone's). */
    public boolean grants(Access access) {
        return access == Access.AUTHENTICATE || granted.contains(access);
    }

    /** Parses a role as written in the users file; {@code flag} names the setting in the error. */
    public static Role parse(String flag, String text) {
        String t = text.toLowerCase(Locale.ROOT);
        if (t.equals("full")) {
            return FULL;
        }
        if (t.equals("readonly") || t.equals("read-only")) {
            return READ_ONLY;
        }
        Set<Access> rights = EnumSet.noneOf(Access.class);
        for (String part : t.split(",", -1)) {
            switch (part) {
                case "read" -> rights.add(Access.READ);
                case "write" -> rights.add(Access.WRITE);
                case "flush" -> rights.add(Access.FLUSH);
                case "shutdown" -> rights.add(Access.SHUTDOWN);
                case "admin" -> {
                    rights.add(Access.ADMIN);
                    rights.add(Access.TUNE);
                }
                case "dump" -> {
                    rights.add(Access.DUMP);
                    rights.add(Access.PEEK);
                }
                default -> throw new SettingsException(flag, "role '" + text + "': '" + part + "' is not full,"
                        + " readonly or a right (read, write, flush, shutdown, admin, dump)");
            }
        }
        return new Role(t, rights);
    }
}
