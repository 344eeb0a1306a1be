package org.bastion.cli;

import java.util.HashMap;
import java.util.Map;

/** A process identity in memory: tests of the root rules without being root. */
final class FakePosix implements Posix {
    int uid;
    int euid;
    int gid;
    int egid;
    final Map<String, Account> accounts = new HashMap<>();
    /** When false, {@link #become} pretends to succeed but changes nothing (a drop that did not take). */
    boolean becomeTakesEffect = true;
    /** When true, the process could regain root after the drop (saved set-user-ID left behind). */
    boolean regainable;
    Account became;

    FakePosix(int euid) {
        this.uid = euid;
        this.euid = euid;
        accounts.put("root", new Account("root", 0, 0));
        accounts.put("nobody", new Account("nobody", 65534, 65534));
    }

    @Override
    public int getuid() {
        return uid;
    }

    @Override
    public int geteuid() {
        return euid;
    }

    @Override
    public int getgid() {
        return gid;
    }

    @Override
    public int getegid() {
        return egid;
    }

    @Override
    public Account lookup(String user) {
        return accounts.get(user);
    }

    @Override
    public void become(Account account) {
        became = account;
        if (becomeTakesEffect) {
            uid = euid = account.uid();
            gid = egid = account.gid();
        }
    }

    @Override
    public boolean canRegainRoot() {
        return regainable;
    }
}
