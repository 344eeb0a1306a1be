package org.bastion.snapshot;

/** A snapshot file that cannot be used: unreadable, torn, corrupt or from a newer format. The message says which. */
public final class SnapshotException extends Exception {
    public SnapshotException(String message) {
        super(message);
    }

    public SnapshotException(String message, Throwable cause) {
        super(message, cause);
    }
}
