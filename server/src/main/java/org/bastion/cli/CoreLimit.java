package org.bastion.cli;

import com.sun.jna.Library;
import com.sun.jna.Native;

/** {@code -r/--enable-coredumps}: raises RLIMIT_CORE's soft limit to its hard limit, as memcached does. */
final class CoreLimit {
    private static final int RLIMIT_CORE = 4; // Linux

    interface LibC extends Library {
        /** {@code struct rlimit} is two 64-bit words on 64-bit Linux: cur, max. */
        int getrlimit(int resource, long[] rlimit);

        int setrlimit(int resource, long[] rlimit);

        String strerror(int errnum);
    }

    private CoreLimit() {
    }

    /**
     * Raises the limit.
     *
     * @return null when it worked, or a one-line warning saying why not
     */
    static String raise() {
        try {
            LibC libc = Native.load("c", LibC.class);
            long[] limit = new long[2];
            if (libc.getrlimit(RLIMIT_CORE, limit) != 0 || libc.setrlimit(RLIMIT_CORE, new long[] {limit[1], limit[1]})
                    != 0) {
                return "-r/--enable-coredumps: could not raise the core file limit: "
                        + libc.strerror(Native.getLastError());
            }
            return null;
        } catch (LinkageError e) {
            return "-r/--enable-coredumps: could not call the C library: " + e.getMessage();
        }
    }
}
