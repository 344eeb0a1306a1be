package org.bastion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.bastion.config.Flags;
import org.bastion.config.Settings;
import org.bastion.config.SettingsException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The builder refuses what the CLI refuses, with the very same one-line message naming the CLI flag. */
class BastionValidationTest {

    static Stream<Arguments> invalid() {
        return Stream.of(
                both("-p 70000", b -> b.port(70000)),
                both("-p -1", b -> b.port(-1)),
                both("-l ,", b -> b.listen(",")),
                both("-l 10.1.2.3", b -> b.listen("10.1.2.3")),
                both("-l 0.0.0.0", b -> b.listen("0.0.0.0")),
                both("-m 2000000", b -> b.memoryLimitMegabytes(2_000_000)),
                both("-m -5", b -> b.memoryLimitMegabytes(-5)),
                both("-m lots", b -> b.memoryLimit("lots")),
                both("-I 512", b -> b.maxItemSize(512)),
                both("-I 2g", b -> b.maxItemSize("2g")),
                both("-I 40m", b -> b.maxItemSize("40m")),
                both("-c 0", b -> b.maxConnections(0)),
                both("-t 0", b -> b.threads(0)),
                both("-t 1000", b -> b.threads(1000)),
                both("-U 11211", b -> b.udpPort(11211)),
                both("-B telnet", b -> b.protocol("telnet")),
                both("-o idle_timeout=-1", b -> b.idleTimeoutSeconds(-1)),
                both("--request-timeout -3", b -> b.requestTimeoutSeconds(-3)),
                both("--allow 10.0.0.0/33", b -> b.allow("10.0.0.0/33")),
                both("--allow nonsense", b -> b.allow("nonsense")),
                both("--allow ,", b -> b.allow(",")),
                both("--read-only-from 300.1.1.1/8", b -> b.readOnlyFrom("300.1.1.1/8")),
                both("--max-conns-per-ip -1", b -> b.maxConnectionsPerSource(-1)));
    }

    private static Arguments both(String cliArgs, Consumer<Settings.Builder> setter) {
        return Arguments.of(cliArgs, setter);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void builderMessageEqualsTheCliMessage(String cliArgs, Consumer<Settings.Builder> setter) {
        SettingsException cli = assertThrows(SettingsException.class, () -> Flags.parse(cliArgs.split(" ")));
        Set<String> before = Leaks.threadNames();
        SettingsException embedded = assertThrows(SettingsException.class, () -> {
            Bastion.builder().settings(setter).start().close();
        });
        assertEquals(cli.getMessage(), embedded.getMessage());
        assertEquals(cli.flag(), embedded.flag());
        assertTrue(cli.getMessage().startsWith(cli.flag() + ": "), cli.getMessage());
        assertEquals(List.of(), Leaks.newThreads("bastion-", before), "a refused configuration starts nothing");
    }

    @Test
    void listeningBeyondLoopbackNeedsAnAllowRuleAsOnTheCli() {
        SettingsException e = assertThrows(SettingsException.class,
                () -> Bastion.builder().settings(s -> s.listen("0.0.0.0")).build());
        assertTrue(e.getMessage().contains("needs --allow"), e.getMessage());
        // With an allow rule the same combination is valid (not started: tests only use loopback).
        assertEquals(List.of("0.0.0.0"), Bastion.builder().settings(s -> s.listen("0.0.0.0").allow("10.0.0.0/8")).build().listen());
    }

    @Test
    void validValuesMeanWhatTheCliFlagsMean() {
        assertEquals(Flags.parse("-m", "16", "-I", "512k", "-t", "1", "-p", "0").settings().describe(),
                Bastion.builder().settings(s -> s.memoryLimitMegabytes(16).maxItemSize(512 * 1024)).build().describe());
        assertEquals(Flags.parse("-m", "1g", "-I", "2m", "-t", "1", "-p", "0").settings().describe(),
                Bastion.builder().settings(s -> s.memoryLimit("1g").maxItemSize("2m")).build().describe());
    }
}
