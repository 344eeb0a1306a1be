package org.bastion.cli;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * {@link Posix} through JNA into the C library. glibc applies setuid/setgid/setgroups to every thread.
 *
 * <p>Success is judged by each call's return value alone. errno is read (JNA keeps it per thread after every call)
 * only once a call has returned -1: a successful call may leave a stale errno behind (initgroups does, from its NSS
 * lookups), so errno being non-zero says nothing about success.
 */
final class JnaPosix implements Posix {
    /** The libc functions used; they return -1 on failure and set errno. */
    interface LibC extends Library {
        int getuid();

        int geteuid();

        int getgid();

        int getegid();

        Pointer getpwnam(String name);

        int initgroups(String user, int group);

        int setgid(int gid);

        int setuid(int uid);

        String strerror(int errnum);
    }

    private final LibC libc;

    private JnaPosix(LibC libc) {
        this.libc = libc;
    }

    static JnaPosix load() {
        try {
            return new JnaPosix(Native.load("c", LibC.class));
        } catch (LinkageError e) {
            throw new IllegalStateException("-u/--user: cannot call the C library to check or change the user ("
                    + e.getMessage() + "); JNA needs a writable java.io.tmpdir or jna.tmpdir", e);
        }
    }

    @Override
    public int getuid() {
        return libc.getuid();
    }

    @Override
    public int geteuid() {
        return libc.geteuid();
    }

    @Override
    public int getgid() {
        return libc.getgid();
    }

    @Override
    public int getegid() {
        return libc.getegid();
    }

    @Override
    public Account lookup(String user) {
        Pointer pw = libc.getpwnam(user);
        if (pw == null) {
            return null;
        }
        // struct passwd { char *pw_name; char *pw_passwd; uid_t pw_uid; gid_t pw_gid; ... } on Linux.
        long offset = 2L * Native.POINTER_SIZE;
        return new Account(user, pw.getInt(offset), pw.getInt(offset + 4));
    }

    @Override
    public void become(Account account) {
        // Groups first: once the uid is gone, the right to change groups is gone with it.
        call("initgroups", () -> libc.initgroups(account.name(), account.gid()));
        call("setgid", () -> libc.setgid(account.gid()));
        call("setuid", () -> libc.setuid(account.uid()));
    }

    @Override
    public boolean canRegainRoot() {
        return libc.setuid(0) == 0;
    }

    private interface Call {
        int run();
    }

    private void call(String name, Call call) {
        if (call.run() != 0) {
            int errno = Native.getLastError();
            throw new IllegalStateException("-u/--user: " + name + " failed: " + libc.strerror(errno) + " (errno "
                    + errno + ")");
        }
    }
}
