package org.bastion.policy;

import java.nio.charset.StandardCharsets;

/**
 * Who a connection authenticated as: a name, a {@link Role}, and optionally the key prefix the user is confined to
 * (its reads and writes of other keys are refused, and so are {@code flush_all} and key listings). Comes from the
 * users file (a password login) or, later, a verified client certificate.
 */
public record User(String name, Role role, byte[] keyPrefix) {
    /** An unconfined user. */
    public User(String name, Role role) {
        this(name, role, null);
    }

    /** Whether the user sees only keys under {@link #keyPrefix()}. */
    public boolean confined() {
        return keyPrefix != null;
    }

    @Override
    public String toString() {
        return name + " (" + role.name() + (keyPrefix == null ? ""
                : ", prefix " + new String(keyPrefix, StandardCharsets.ISO_8859_1)) + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof User u && u.name.equals(name) && u.role.equals(role)
                && java.util.Arrays.equals(u.keyPrefix, keyPrefix);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }
}
