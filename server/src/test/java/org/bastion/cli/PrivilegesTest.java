package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bastion.config.SettingsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivilegesTest {
    private final List<String> warnings = new ArrayList<>();

    @Test
    void rootWithoutUserBecomesNobodyWithAWarning() {
        Posix.Account account = Privileges.plan(null, new FakePosix(0), warnings);
        assertEquals(new Posix.Account("nobody", 65534, 65534), account);
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).startsWith("-u/--user: started as root without -u, so running as nobody"),
                warnings.get(0));
    }

    @Test
    void rootWithoutUserAndWithoutNobodyIsRefusedNamingTheFlag() {
        FakePosix posix = new FakePosix(0);
        posix.accounts.remove("nobody");
        SettingsException e = assertThrows(SettingsException.class, () -> Privileges.plan(null, posix, warnings));
        assertEquals("-u/--user", e.flag());
        assertTrue(e.getMessage().startsWith("-u/--user: refusing to run as root"), e.getMessage());
        assertTrue(e.getMessage().contains("-u root"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    @Test
    void rootWithUserRootIsAnExplicitOverrideWithAWarning() {
        assertNull(Privileges.plan("root", new FakePosix(0), warnings));
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).startsWith("-u/--user root"), warnings.get(0));
    }

    @Test
    void rootWithAnotherUserDropsToIt() {
        Posix.Account account = Privileges.plan("nobody", new FakePosix(0), warnings);
        assertEquals(new Posix.Account("nobody", 65534, 65534), account);
        assertTrue(warnings.isEmpty());
    }

    @Test
    void unknownUserIsRefusedAsRootAndAsNonRoot() {
        for (int euid : new int[] {0, 1000}) {
            SettingsException e = assertThrows(SettingsException.class,
                    () -> Privileges.plan("no-such-user", new FakePosix(euid), warnings));
            assertEquals("-u/--user", e.flag());
            assertTrue(e.getMessage().contains("no-such-user"), e.getMessage());
        }
    }

    @Test
    void nonRootWithoutUserRunsAsItself() {
        assertNull(Privileges.plan(null, new FakePosix(1000), warnings));
        assertTrue(warnings.isEmpty());
    }

    @Test
    void nonRootWithAnotherUserOnlyWarns() {
        assertNull(Privileges.plan("nobody", new FakePosix(1000), warnings));
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("only root can switch users"), warnings.get(0));
    }

    @Test
    void nonRootNamingItselfIsSilent() {
        FakePosix posix = new FakePosix(65534);
        assertNull(Privileges.plan("nobody", posix, warnings));
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    @Test
    void dropBecomesTheAccount(@TempDir Path proc) throws Exception {
        FakePosix posix = new FakePosix(0);
        Posix.Account nobody = posix.lookup("nobody");
        task(proc, "100", 65534);
        Privileges.drop(nobody, posix, proc);
        assertEquals(nobody, posix.became);
        assertEquals(65534, posix.geteuid());
    }

    @Test
    void aThreadLeftBehindIsRefused(@TempDir Path proc) throws Exception {
        FakePosix posix = new FakePosix(0);
        task(proc, "100", 65534);
        task(proc, "101", 0);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Privileges.drop(posix.lookup("nobody"), posix, proc));
        assertTrue(e.getMessage().contains("thread 101 still runs"), e.getMessage());
    }

    @Test
    void aDropThatDidNotTakeIsRefused() {
        FakePosix posix = new FakePosix(0);
        posix.becomeTakesEffect = false;
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Privileges.drop(posix.lookup("nobody"), posix));
        assertTrue(e.getMessage().startsWith("-u/--user: dropping to nobody did not take"), e.getMessage());
    }

    @Test
    void aDropThatCanBeUndoneIsRefused() {
        FakePosix posix = new FakePosix(0);
        posix.regainable = true;
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Privileges.drop(posix.lookup("nobody"), posix));
        assertTrue(e.getMessage().contains("could become root again"), e.getMessage());
    }

    @Test
    void aThreadLeftWithAnotherUidIsFound(@TempDir Path proc) throws Exception {
        task(proc, "100", 65534);
        task(proc, "101", 65534);
        assertNull(Privileges.threadStillPrivileged(65534, proc));
        task(proc, "102", 0);
        assertEquals("102", Privileges.threadStillPrivileged(65534, proc));
        assertNull(Privileges.threadStillPrivileged(65534, proc.resolve("absent")));
    }

    private static void task(Path proc, String tid, int uid) throws Exception {
        Path dir = Files.createDirectories(proc.resolve(tid));
        Files.writeString(dir.resolve("status"), "Name:\tjava\nUid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid
                + "\nGid:\t0\t0\t0\t0\n");
    }
}
