package org.bastion.cli;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/** {@link Posix} through JNA into the C library. glibc applies setuid/setgid/setgroups to every thread. */
final class JnaPosix implements Posix {
    /** The libc functions used, declared to throw so errno is kept. */
    interface LibC extends Library {
        int getuid();

        int geteuid();

        int getgid();

        int getegid();

        Pointer getpwnam(String name);

        int initgroups(String user, int group) throws LastErrorException;

        int setgid(int gid) throws LastErrorException;

        int setuid(int uid) throws LastErrorException;
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
        try {
            return libc.setuid(0) == 0;
        } catch (LastErrorException e) {
            return false;
        }
    }

    private interface Call {
        int run();
    }

    private static void call(String name, Call call) {
        try {
            if (call.run() != 0) {
                throw new IllegalStateException("-u/--user: " + name + " failed");
            }
        } catch (LastErrorException e) {
            throw new IllegalStateException("-u/--user: " + name + " failed: errno " + e.getErrorCode(), e);
        }
    }
}
