package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bastion.config.Settings;
import org.junit.jupiter.api.Test;

class HeapLauncherTest {
    private static final long MB = 1024 * 1024;
    private final Settings m1024 = Settings.builder().memoryLimit("1024").build();

    @Test
    void neededHeapIsOneAndAHalfTimesMPlus64Mb() {
        assertEquals(1600 * MB, HeapLauncher.neededHeapBytes(m1024));
        assertEquals(160 * MB, HeapLauncher.neededHeapBytes(Settings.builder().build()));
    }

    @Test
    void explicitHeapTooSmallIsRefusedNamingMAndTheHeapToGive() {
        HeapLauncher.Plan plan = HeapLauncher.plan(m1024, new HeapLauncher.Jvm(64 * MB, true, true, false, true, true));
        assertTrue(plan.refusal().startsWith("-m/--memory-limit: -m 1024 needs 1600 MB"), plan.refusal());
        assertTrue(plan.refusal().contains("-Xmx1600m"), plan.refusal());
    }

    @Test
    void defaultHeapTooSmallIsSized() {
        HeapLauncher.Plan plan = HeapLauncher.plan(m1024,
                new HeapLauncher.Jvm(64 * MB, false, false, false, true, true));
        assertNull(plan.refusal());
        assertEquals(List.of("-Xmx1600m", "-XX:+ExitOnOutOfMemoryError"), plan.jvmOptions());
    }

    @Test
    void aRelaunchedJvmStillTooSmallIsRefusedRatherThanLooping() {
        HeapLauncher.Plan plan = HeapLauncher.plan(m1024, new HeapLauncher.Jvm(64 * MB, false, true, true, true, true));
        assertTrue(plan.refusal().contains("-Xmx1600m"), plan.refusal());
    }

    @Test
    void enoughHeapAndExitOnOomServesAsIs() {
        assertTrue(HeapLauncher.plan(m1024, new HeapLauncher.Jvm(1600 * MB, true, true, false, true, true))
                .serveAsIs());
        assertEquals(List.of("-XX:+ExitOnOutOfMemoryError"),
                HeapLauncher.plan(m1024, new HeapLauncher.Jvm(4096 * MB, false, false, false, true, true))
                        .jvmOptions());
    }

    @Test
    void aLargeCacheLeftToTheDefaultCollectorGetsShenandoah() {
        HeapLauncher.Plan plan = HeapLauncher.plan(m1024, new HeapLauncher.Jvm(4096 * MB, false, false, false, false,
                true));
        assertEquals(List.of("-XX:+ExitOnOutOfMemoryError", "-XX:+UseShenandoahGC"), plan.jvmOptions());
    }

    @Test
    void theCollectorIsLeftAloneWhenChosenAbsentOrTheCacheSmall() {
        assertEquals(List.of("-XX:+ExitOnOutOfMemoryError"), HeapLauncher.plan(m1024,
                new HeapLauncher.Jvm(4096 * MB, false, false, false, true, true)).jvmOptions(), "chosen");
        assertEquals(List.of("-XX:+ExitOnOutOfMemoryError"), HeapLauncher.plan(m1024,
                new HeapLauncher.Jvm(4096 * MB, false, false, false, false, false)).jvmOptions(), "absent");
        Settings m1023 = Settings.builder().memoryLimit("1023").build();
        assertEquals(List.of("-XX:+ExitOnOutOfMemoryError"), HeapLauncher.plan(m1023,
                new HeapLauncher.Jvm(4096 * MB, false, false, false, false, true)).jvmOptions(), "small");
        assertTrue(HeapLauncher.plan(m1024, new HeapLauncher.Jvm(4096 * MB, false, true, false, false, true))
                .jvmOptions().contains("-XX:+UseShenandoahGC"), "a JVM that already exits on OOM is still relaunched");
    }
}
