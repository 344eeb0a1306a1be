package org.bastion;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Closed servers leave no thread at all: not their own, and none of the JVM-wide ones libraries start lazily
 * (Netty's {@code globalEventExecutor} and {@code ObjectCleaner}, the common ForkJoin pool Caffeine would use).
 * Checked in a fresh JVM ({@link LeakProbe}), where no other test's clients can start such threads meanwhile.
 */
class NoBackgroundThreadTest {

    @Test
    void serversLeaveNoThreadInAFreshJvm() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LeakProbe.class.getName())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("LeakProbe did not finish in 60 s");
        }
        List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertEquals(0, p.exitValue(), String.join("\n", lines));
        assertEquals(List.of("done"), lines, "threads left behind by closed servers");
    }
}
