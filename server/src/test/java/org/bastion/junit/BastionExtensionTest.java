package org.bastion.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bastion.Bastion;
import org.bastion.Leaks;
import org.bastion.testing.WireClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * The extension's lifecycles, seen from outside: each fixture class below is run by the JUnit engine from a test
 * here, which records the servers the fixture saw and then checks they were started and stopped as promised. (The
 * fixtures are nested classes, which Surefire does not run on their own.)
 */
class BastionExtensionTest {
    /** Servers the running fixture saw, in order. */
    static final List<Bastion> seen = new ArrayList<>();

    private static Events run(Class<?> fixture) {
        seen.clear();
        Events tests = EngineTestKit.engine("junit-jupiter").selectors(selectClass(fixture)).execute().testEvents();
        tests.failed().stream().forEach(e -> e.getPayload(org.junit.platform.engine.TestExecutionResult.class)
                .flatMap(org.junit.platform.engine.TestExecutionResult::getThrowable)
                .ifPresent(Throwable::printStackTrace));
        return tests;
    }

    private static void assertStoppedAndReleased(Bastion server) throws IOException {
        assertEquals(List.of(), Leaks.threadsLeft(server.threadNamePrefix()), "threads left by " + server);
        assertTrue(Leaks.canBind(server.port()), "port " + server.port() + " still in use");
    }

    // ---- one server for the class: a static field ----

    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class PerClassFixture {
        @RegisterExtension
        static final BastionExtension memcached = new BastionExtension();

        static int portInBeforeAll;

        @BeforeAll
        static void serverAlreadyRunsInBeforeAll() {
            portInBeforeAll = memcached.port();
        }

        @Test
        @Order(1)
        void first() throws IOException {
            seen.add(memcached.server());
            assertEquals(portInBeforeAll, memcached.port());
            assertEquals("STORED\r\n", WireClient.set(memcached.port(), "shared", "from-first"));
        }

        @Test
        @Order(2)
        void secondSeesTheFirstTestsItem() throws IOException {
            seen.add(memcached.server());
            assertEquals("from-first", WireClient.get(memcached.port(), "shared"));
        }

        @Test
        @Order(3)
        void flushDropsEverything() throws IOException {
            seen.add(memcached.server());
            memcached.flush();
            assertNull(WireClient.get(memcached.port(), "shared"));
        }
    }

    @Test
    void staticFieldRunsOneServerForTheWholeClassAndStopsItAfter() throws IOException {
        run(PerClassFixture.class).assertStatistics(s -> s.started(3).succeeded(3));
        assertEquals(3, seen.size());
        assertSame(seen.get(0), seen.get(1));
        assertSame(seen.get(0), seen.get(2));
        assertStoppedAndReleased(seen.get(0));
        assertThrows(IllegalStateException.class, PerClassFixture.memcached::port, "no server after the class");
    }

    // ---- one server per test: an instance field ----

    static class PerTestFixture {
        @RegisterExtension
        final BastionExtension memcached = new BastionExtension();

        @Test
        void a() throws IOException {
            check();
        }

        @Test
        void b() throws IOException {
            check();
        }

        @Test
        void c() throws IOException {
            check();
        }

        private void check() throws IOException {
            seen.add(memcached.server());
            // Every test starts from an empty server of its own, whatever the others stored.
            assertNull(WireClient.get(memcached.port(), "mine"));
            assertEquals("STORED\r\n", WireClient.set(memcached.port(), "mine", "x"));
        }
    }

    @Test
    void instanceFieldRunsOneServerPerTest() throws IOException {
        run(PerTestFixture.class).assertStatistics(s -> s.started(3).succeeded(3));
        assertEquals(3, seen.size());
        assertEquals(3, new HashSet<>(seen).size(), "three different servers");
        for (Bastion server : seen) {
            assertStoppedAndReleased(server);
        }
    }

    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    static class PerClassInstanceFixture {
        @RegisterExtension
        final BastionExtension memcached = new BastionExtension();

        @Test
        void one() {
            seen.add(memcached.server());
        }

        @Test
        void two() {
            seen.add(memcached.server());
        }
    }

    @Test
    void instanceFieldWithPerClassLifecycleRunsOneServerForTheClass() throws IOException {
        run(PerClassInstanceFixture.class).assertStatistics(s -> s.started(2).succeeded(2));
        assertEquals(2, seen.size());
        assertSame(seen.get(0), seen.get(1));
        assertStoppedAndReleased(seen.get(0));
    }

    static class InvalidSettingsFixture {
        @RegisterExtension
        static final BastionExtension memcached = new BastionExtension(Bastion.builder().settings(s -> s.udpPort(11211)));

        @Test
        void neverRuns() {
            seen.add(memcached.server());
        }
    }

    @Test
    void invalidSettingsFailTheClassWithTheCliMessage() {
        Events containers = EngineTestKit.engine("junit-jupiter").selectors(selectClass(InvalidSettingsFixture.class))
                .execute().containerEvents();
        Throwable failure = containers.failed().stream().findFirst().orElseThrow()
                .getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow()
                .getThrowable().orElseThrow();
        assertTrue(failure instanceof org.bastion.config.SettingsException, failure.toString());
        assertTrue(failure.getMessage().startsWith("-U/--udp-port: UDP is not supported"), failure.getMessage());
    }

    @ExtendWith(BastionExtension.class)
    @TestMethodOrder(MethodOrderer.MethodName.class)
    static class DeclarativeFixture {
        @Test
        void one(Bastion server) throws IOException {
            seen.add(server);
            assertEquals("STORED\r\n", WireClient.set(server.port(), "k", "v"));
        }

        @Test
        void two(Bastion server) throws IOException {
            seen.add(server);
            assertEquals("v", WireClient.get(server.port(), "k"), "the class shares one server");
        }
    }

    @Test
    void extendWithOnTheClassRunsOneServerForTheClass() throws IOException {
        run(DeclarativeFixture.class).assertStatistics(s -> s.started(2).succeeded(2));
        assertEquals(2, seen.size());
        assertSame(seen.get(0), seen.get(1));
        assertStoppedAndReleased(seen.get(0));
    }

    // ---- parameter injection ----

    static class MethodInjectionFixture {
        @RegisterExtension
        final BastionExtension memcached = new BastionExtension();

        Bastion inBeforeEach;

        @BeforeEach
        void before(Bastion server) {
            inBeforeEach = server;
        }

        @Test
        void testMethodParameter(Bastion server) throws IOException {
            seen.add(server);
            assertSame(memcached.server(), server);
            assertSame(server, inBeforeEach);
            assertEquals("STORED\r\n", WireClient.set(server.port(), "k", "v"));
        }
    }

    @Test
    void testAndLifecycleMethodsReceiveTheRunningServer() throws IOException {
        run(MethodInjectionFixture.class).assertStatistics(s -> s.started(1).succeeded(1));
        assertEquals(1, seen.size());
        assertStoppedAndReleased(seen.get(0));
    }

    static class ConstructorInjectionFixture {
        @RegisterExtension
        static final BastionExtension memcached = new BastionExtension();

        private final Bastion server;

        ConstructorInjectionFixture(Bastion server) {
            this.server = server;
        }

        @Test
        void one() {
            seen.add(server);
            assertSame(memcached.server(), server);
        }

        @Test
        void two() {
            seen.add(server);
            assertSame(memcached.server(), server);
        }
    }

    @Test
    void constructorReceivesTheClassServer() throws IOException {
        run(ConstructorInjectionFixture.class).assertStatistics(s -> s.started(2).succeeded(2));
        assertEquals(2, seen.size());
        assertSame(seen.get(0), seen.get(1), "both test instances got the one class server");
        assertStoppedAndReleased(seen.get(0));
    }

    // ---- a configured builder, two servers side by side, nested classes ----

    static class TwoServersFixture {
        @RegisterExtension
        static final BastionExtension small = new BastionExtension(
                Bastion.builder().settings(s -> s.memoryLimitMegabytes(8).maxItemSize("2k").flushAllDisabled(true)));

        @RegisterExtension
        static final BastionExtension plain = new BastionExtension();

        @Test
        void separateStoresAndSettings() throws IOException {
            seen.add(small.server());
            seen.add(plain.server());
            assertTrue(small.port() != plain.port());
            assertEquals("127.0.0.1:" + small.port(), small.address());
            assertEquals(8L << 20, small.server().settings().memoryLimitBytes());
            assertEquals(2048, small.server().settings().maxItemSize());
            assertEquals(Bastion.DEFAULT_THREADS, plain.server().settings().threads());
            assertEquals("STORED\r\n", WireClient.set(small.port(), "k", "small"));
            assertEquals("STORED\r\n", WireClient.set(plain.port(), "k", "plain"));
            assertEquals("small", WireClient.get(small.port(), "k"));
            assertEquals("plain", WireClient.get(plain.port(), "k"));
            String big = "x".repeat(3000);
            assertEquals("SERVER_ERROR object too large for cache\r\n", WireClient.set(small.port(), "big", big));
            assertEquals("STORED\r\n", WireClient.set(plain.port(), "big", big));
            // -F refuses the command to clients, not the test's own flush().
            small.flush();
            assertNull(WireClient.get(small.port(), "k"));
            assertEquals("plain", WireClient.get(plain.port(), "k"));
        }
    }

    @Test
    void twoExtensionsRunTwoIndependentServers() throws IOException {
        run(TwoServersFixture.class).assertStatistics(s -> s.started(1).succeeded(1));
        assertEquals(2, seen.size());
        assertStoppedAndReleased(seen.get(0));
        assertStoppedAndReleased(seen.get(1));
    }

    static class NestedFixture {
        @RegisterExtension
        static final BastionExtension memcached = new BastionExtension();

        @Test
        void outer() {
            seen.add(memcached.server());
        }

        @Nested
        class Inner {
            @Test
            void inner() {
                seen.add(memcached.server());
            }
        }
    }

    @Test
    void nestedClassesShareTheOuterClassServer() throws IOException {
        run(NestedFixture.class).assertStatistics(s -> s.started(2).succeeded(2));
        assertEquals(2, seen.size());
        assertSame(seen.get(0), seen.get(1));
        assertStoppedAndReleased(seen.get(0));
    }

    @Test
    void aServerIsOnlyAvailableWhileItsScopeRuns() {
        BastionExtension unregistered = new BastionExtension();
        IllegalStateException e = assertThrows(IllegalStateException.class, unregistered::address);
        assertNotNull(e.getMessage());
        assertTrue(e.getMessage().contains("@RegisterExtension"), e.getMessage());
    }
}
