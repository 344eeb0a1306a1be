package org.bastion.protocol;

/**
 * Which failures a connection may survive. An {@link OutOfMemoryError} (heap, or Netty's direct memory) or any other
 * {@link VirtualMachineError} means the process can no longer keep its promises to any client; closing the one
 * connection it surfaced on would leave a server that accepts connections and fails them. Such an error is handed to
 * the thread's uncaught-exception handler instead, as if nobody had caught it: the CLI's handler ends the process
 * with one last line for its supervisor; an embedding application's handler decides for itself.
 */
public final class Faults {
    private Faults() {
    }

    /** The fatal error in {@code cause} or its causes, or null (bounded: cause chains can be cyclic). */
    public static VirtualMachineError fatal(Throwable cause) {
        Throwable t = cause;
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (t instanceof VirtualMachineError error) {
                return error;
            }
        }
        return null;
    }

    /**
     * Hands a fatal error in {@code cause} to the current thread's uncaught-exception handler; true if there was one
     * (the caller then closes its connection as it would for any failure).
     */
    public static boolean escalate(Throwable cause) {
        VirtualMachineError error = fatal(cause);
        if (error == null) {
            return false;
        }
        Thread thread = Thread.currentThread();
        thread.getUncaughtExceptionHandler().uncaughtException(thread, error);
        return true;
    }
}
