package org.bastion.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bastion.config.SettingsException;

/**
 * {@code -u/--user} and the root rule: Bastion never serves as root unless told to. Started as root without
 * {@code -u} it binds and then becomes {@code nobody} with a warning (memcached refuses instead; this keeps a quick
 * start in a root container working without ever serving as root), or refuses when there is no such account. {@code -u
 * root} is an explicit override, {@code -u <user>} as root binds first and then becomes that user before serving.
 */
final class Privileges {
    /** The account a root start without {@code -u} drops to. */
    static final String DEFAULT_USER = "nobody";

    private Privileges() {
    }

    /**
     * Decides, before anything is bound, whom the server will run as.
     *
     * @return the account to become once the port is bound, or null to stay as we are
     * @throws SettingsException naming {@code -u/--user} when the combination is refused
     */
    static Posix.Account plan(String user, Posix posix, List<String> warnings) {
        int euid = posix.geteuid();
        if (user == null) {
            if (euid != 0) {
                return null;
            }
            // Never serve as root by default: become the account every Linux has for this, or refuse.
            Posix.Account nobody = posix.lookup(DEFAULT_USER);
            if (nobody == null || nobody.uid() == 0) {
                throw new SettingsException("-u/--user", "refusing to run as root and there is no '" + DEFAULT_USER
                        + "' account to drop to: add -u <user> to run as an unprivileged user, or -u root to insist");
            }
            warnings.add("-u/--user: started as root without -u, so running as " + DEFAULT_USER + "; name a"
                    + " dedicated account with -u <user> (or -u root to insist)");
            return nobody;
        }
        Posix.Account account = posix.lookup(user);
        if (account == null) {
            throw new SettingsException("-u/--user", "no such user '" + user + "': name an existing user or create"
                    + " one (useradd --system --no-create-home " + user + ")");
        }
        if (euid != 0) {
            if (account.uid() != euid) {
                warnings.add("-u/--user " + user + " is ignored: only root can switch users; running as uid " + euid);
            }
            return null;
        }
        if (account.uid() == 0) {
            warnings.add("-u/--user " + user + ": running as root by explicit choice; a flaw in the server would"
                    + " hand an attacker the whole host");
            return null;
        }
        return account;
    }

    /**
     * Becomes {@code account} and checks that it worked for every thread and cannot be undone.
     *
     * @throws IllegalStateException naming {@code -u/--user} when any part of the drop failed
     */
    static void drop(Posix.Account account, Posix posix) {
        drop(account, posix, Path.of("/proc/self/task"));
    }

    /** As {@link #drop(Posix.Account, Posix)}, reading the threads' credentials under {@code tasks}. */
    static void drop(Posix.Account account, Posix posix, Path tasks) {
        posix.become(account);
        int uid = posix.getuid();
        int euid = posix.geteuid();
        int gid = posix.getgid();
        int egid = posix.getegid();
        if (uid != account.uid() || euid != account.uid() || gid != account.gid() || egid != account.gid()) {
            throw new IllegalStateException("-u/--user: dropping to " + account.name() + " did not take: uid " + uid
                    + " euid " + euid + " gid " + gid + " egid " + egid + "; refusing to serve");
        }
        if (posix.canRegainRoot()) {
            throw new IllegalStateException("-u/--user: after dropping to " + account.name()
                    + " the process could become root again; refusing to serve");
        }
        String thread = threadStillPrivileged(account.uid(), tasks);
        if (thread != null) {
            throw new IllegalStateException("-u/--user: thread " + thread + " still runs with another uid after"
                    + " dropping to " + account.name() + "; refusing to serve");
        }
    }

    /**
     * The id of a thread whose real or effective uid is not {@code uid}, or null when all match (or there is no
     * /proc to ask): setuid is per thread in the kernel, and only the C library makes it process-wide.
     */
    static String threadStillPrivileged(int uid, Path tasks) {
        if (!Files.isDirectory(tasks)) {
            return null;
        }
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
            for (Path task : dir) {
                List<String> lines;
                try {
                    lines = Files.readAllLines(task.resolve("status"));
                } catch (IOException e) {
                    continue; // the thread ended while we looked
                }
                for (String line : lines) {
                    if (line.startsWith("Uid:")) {
                        String[] ids = line.substring(4).trim().split("\\s+");
                        for (String id : ids) {
                            if (Integer.parseInt(id) != uid) {
                                return task.getFileName().toString();
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
