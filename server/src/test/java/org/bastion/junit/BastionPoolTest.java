package org.bastion.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.spy.memcached.AddrUtil;
import org.bastion.Bastion;
import org.bastion.Leaks;
import org.bastion.testing.WireClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * {@link ServerPool} on its own, and {@link BastionPool @BastionPool}'s lifecycles seen from outside: each fixture
 * class is run by the JUnit engine from a test here, which then checks that the pools it saw were started as
 * promised and are stopped, their ports free and their threads gone.
 */
class BastionPoolTest {
    /** Pools the running fixture saw, in order. */
    static final List<ServerPool> seen = new ArrayList<>();
    /** Servers of those pools, taken while they ran (a stopped pool no longer hands them out). */
    static final List<Bastion> servers = new ArrayList<>();

    private static void see(ServerPool pool) {
        seen.add(pool);
        for (int i = 0; i < pool.size(); i++) {
            servers.add(pool.server(i));
        }
    }

    private static Events run(Class<?> fixture) {
        seen.clear();
        servers.clear();
        Events tests = EngineTestKit.engine("junit-jupiter").selectors(selectClass(fixture)).execute().testEvents();
        tests.failed().stream().forEach(e -> e.getPayload(org.junit.platform.engine.TestExecutionResult.class)
                .flatMap(org.junit.platform.engine.TestExecutionResult::getThrowable)
                .ifPresent(Throwable::printStackTrace));
        return tests;
    }

    private static void assertAllStopped() throws IOException {
        assertFalse(servers.isEmpty());
        for (Bastion s : servers) {
            assertEquals(List.of(), Leaks.threadsLeft(s.threadNamePrefix()), "threads left by " + s);
            assertTrue(Leaks.canBind(s.port()), "port " + s.port() + " still in use");
        }
        for (ServerPool p : seen) {
            for (int i = 0; i < p.size(); i++) {
                assertFalse(p.isRunning(i), p + " member " + i);
            }
        }
    }

    // ---- the pool itself ----

    @Test
    void membersAreIndependentServersListedInOrder() throws IOException {
        try (ServerPool pool = ServerPool.start(3)) {
            assertEquals(3, pool.size());
            Set<Integer> ports = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                ports.add(pool.port(i));
                assertEquals(pool.server(i).address(), pool.addresses().get(i));
                assertEquals("127.0.0.1:" + pool.port(i), pool.hostAndPort(i));
            }
            assertEquals(3, ports.size(), "three ports");
            assertEquals(pool.hostAndPort(0) + " " + pool.hostAndPort(1) + " " + pool.hostAndPort(2), pool.serverList());
            assertEquals(pool.hostAndPort(0) + "," + pool.hostAndPort(1) + "," + pool.hostAndPort(2), pool.serverList(","));
            assertEquals(pool.addresses(), AddrUtil.getAddresses(pool.serverList()), "spymemcached parses the list");
            assertEquals(pool.addresses(), net.rubyeye.xmemcached.utils.AddrUtil.getAddresses(pool.serverList()),
                    "xmemcached parses the list");

            assertEquals("STORED\r\n", WireClient.set(pool.port(0), "only-on-0", "v"));
            assertEquals("v", WireClient.get(pool.port(0), "only-on-0"));
            assertNull(WireClient.get(pool.port(1), "only-on-0"), "members share no items");
            pool.flushAll();
            assertNull(WireClient.get(pool.port(0), "only-on-0"));
        }
    }

    @Test
    void aStoppedMemberComesBackEmptyOnItsOwnPort() throws IOException {
        try (ServerPool pool = ServerPool.start(2)) {
            InetSocketAddress before = pool.addresses().get(1);
            Bastion first = pool.server(1);
            WireClient.set(pool.port(1), "k", "v");
            pool.stop(1);
            assertFalse(pool.isRunning(1));
            assertThrows(IllegalStateException.class, () -> pool.server(1));
            assertThrows(IOException.class, () -> WireClient.connect(before.getPort()).close(), "nothing listens");
            assertEquals(List.of(), Leaks.threadsLeft(first.threadNamePrefix()));
            pool.stop(1); // twice is harmless

            Bastion again = pool.restart(1);
            assertTrue(pool.isRunning(1));
            assertNotSame(first, again);
            assertEquals(before, again.address());
            assertEquals(before, pool.addresses().get(1));
            assertNull(WireClient.get(pool.port(1), "k"), "a restarted member is empty");
            assertEquals("STORED\r\n", WireClient.set(pool.port(1), "k", "w"));
            assertTrue(pool.isRunning(0), "the other member was not touched");
        }
    }

    @Test
    void aPoolNeedsAMember() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerPool.start(0));
        assertTrue(e.getMessage().startsWith("size:"), e.getMessage());
    }

    @Test
    void configuredMembersShareTheBuildersSettings() throws IOException {
        try (ServerPool pool = ServerPool.start(2, Bastion.builder().settings(s -> s.port(11222).flushAllDisabled(true)))) {
            assertTrue(pool.port(0) != 11222 && pool.port(1) != 11222, "the builder's port is not used");
            for (int i = 0; i < 2; i++) {
                assertTrue(pool.server(i).settings().flushAllDisabled());
            }
        }
    }

    // ---- @BastionPool on a static field: one pool for the class ----

    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class StaticFieldFixture {
        @BastionPool(size = 3)
        static ServerPool pool;

        static ServerPool inBeforeAll;

        @BeforeAll
        static void poolAlreadyRunsInBeforeAll() {
            inBeforeAll = pool;
        }

        @Test
        @Order(1)
        void first() throws IOException {
            see(pool);
            assertSame(inBeforeAll, pool);
            assertEquals(3, pool.size());
            assertEquals("STORED\r\n", WireClient.set(pool.port(2), "shared", "x"));
        }

        @Test
        @Order(2)
        void secondSharesIt() throws IOException {
            see(pool);
            assertEquals("x", WireClient.get(pool.port(2), "shared"));
        }
    }

    @Test
    void staticFieldPoolLivesForTheClass() throws IOException {
        run(StaticFieldFixture.class).assertStatistics(s -> s.started(2).succeeded(2));
        assertEquals(2, seen.size());
        assertSame(seen.get(0), seen.get(1));
        assertAllStopped();
    }

    // ---- on an instance field and on a parameter: one pool per test ----

    static class PerTestFixture {
        @BastionPool(size = 2)
        ServerPool pool;

        @Test
        void a(@BastionPool(size = 1) ServerPool own) throws IOException {
            check(own);
        }

        @Test
        void b(@BastionPool ServerPool own) throws IOException {
            check(own);
        }

        private void check(ServerPool own) throws IOException {
            see(pool);
            see(own);
            assertEquals(2, pool.size());
            assertNotSame(pool, own);
            assertNull(WireClient.get(pool.port(0), "per-test"), "a fresh pool for each test");
            WireClient.set(pool.port(0), "per-test", "v");
        }
    }

    @Test
    void instanceFieldAndParameterPoolsLiveForOneTest() throws IOException {
        run(PerTestFixture.class).assertStatistics(s -> s.started(2).succeeded(2));
        assertEquals(4, seen.size());
        assertNotSame(seen.get(0), seen.get(2), "the field's pool of test a and of test b");
        Set<Integer> sizes = new HashSet<>(List.of(seen.get(1).size(), seen.get(3).size()));
        assertEquals(Set.of(1, 3), sizes, "size = 1 and the default, 3");
        assertAllStopped();
    }

    static class WrongFieldFixture {
        @BastionPool
        static Bastion notAPool;

        @Test
        void never() {
        }
    }

    @Test
    void aFieldOfAnotherTypeIsAConfigurationError() {
        Events events = EngineTestKit.engine("junit-jupiter").selectors(selectClass(WrongFieldFixture.class)).execute()
                .containerEvents();
        assertEquals(1, events.failed().count(), "the class fails before running its test");
    }
}
