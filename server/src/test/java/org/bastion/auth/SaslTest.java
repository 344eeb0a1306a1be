package org.bastion.auth;

import static org.bastion.testing.BinaryFrames.ascii;
import static org.bastion.testing.BinaryFrames.request;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import net.rubyeye.xmemcached.auth.AuthInfo;
import net.spy.memcached.auth.AuthDescriptor;
import net.spy.memcached.auth.PlainCallbackHandler;
import org.bastion.clients.CacheClient;
import org.bastion.clients.FolsomClient;
import org.bastion.clients.SpyClient;
import org.bastion.clients.XmemcachedClient;
import org.bastion.testing.BinaryFrames.Response;
import org.bastion.testing.PolicyServers;
import org.bastion.testing.WireClient;
import org.bastion.transport.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Binary SASL (PLAIN, CRAM-MD5) and the text login as real clients use them: spymemcached's AuthDescriptor,
 * xmemcached's AuthInfo, folsom's username/password (text -Y login and binary PLAIN); then the raw exchange's edges:
 * only SASL and VERSION before login, a SASL step with nothing started, bounded retries, and a users file reloaded
 * under a logged-in connection.
 */
class SaslTest {
    private static final int SASL_LIST_MECHS = 0x20;
    private static final int SASL_AUTH = 0x21;
    private static final int SASL_STEP = 0x22;
    private static final int GET = 0x00;
    private static final int VERSION = 0x0b;
    private static final int AUTH_ERROR = 0x20;
    private static final int AUTH_CONTINUE = 0x21;

    @TempDir
    Path dir;
    private Path users;
    private Server server;
    private InetSocketAddress address;

    @BeforeEach
    void start() throws Exception {
        users = dir.resolve("users");
        Files.writeString(users, "alice:secret\nhashed:" + PasswordHash.hash("pw".toCharArray(), 1000) + "\n");
        server = Server.start(PolicyServers.settings().usersFile(users).build());
        address = new InetSocketAddress("127.0.0.1", server.port());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static void roundTrip(CacheClient client, String key) throws Exception {
        try (client) {
            assertTrue(client.set(key, 0, "v".getBytes()), key);
            assertArrayEquals("v".getBytes(), client.get(key), key);
        }
    }

    @Test
    void spymemcachedPlainAndCramMd5() throws Exception {
        roundTrip(new SpyClient(address, true, new AuthDescriptor(new String[] {"PLAIN"},
                new PlainCallbackHandler("alice", "secret"))), "spy-plain");
        roundTrip(new SpyClient(address, true, new AuthDescriptor(new String[] {"CRAM-MD5"},
                new PlainCallbackHandler("alice", "secret"))), "spy-cram");
        // typical() prefers CRAM-MD5, which needs the plain secret: a hashed user logs in with PLAIN.
        roundTrip(new SpyClient(address, true, AuthDescriptor.typical("alice", "secret")), "spy-typical");
        roundTrip(new SpyClient(address, true, new AuthDescriptor(new String[] {"PLAIN"},
                new PlainCallbackHandler("hashed", "pw"))), "spy-hashed");
    }

    /**
     * xmemcached logs in from a thread of its own and does not hold commands back meanwhile: one sent first is
     * refused and its connection closed (as memcached does), then the client reconnects and logs in again. So the
     * first write is retried, a bounded number of times, as an application starting up would.
     */
    @Test
    void xmemcachedPlain() throws Exception {
        // AuthInfo.cramMD5 is left out: xmemcached 2.4.9 answered every challenge with the same digest here (not the
        // HMAC of the challenge it was sent), so it never logs in; spymemcached's CRAM-MD5 above and the exchange by
        // hand below do. docs/security.md tells xmemcached users to use AuthInfo.plain.
        for (AuthInfo auth : new AuthInfo[] {AuthInfo.plain("alice", "secret")}) {
            try (XmemcachedClient client = new XmemcachedClient(address, true, auth)) {
                boolean stored = false;
                for (int attempt = 0; attempt < 40 && !stored; attempt++) {
                    try {
                        stored = client.set("x-" + auth.getMechanisms()[0], 0, "v".getBytes());
                    } catch (Exception refusedBeforeLogin) {
                        Thread.sleep(250);
                    }
                }
                assertTrue(stored, "xmemcached never got in with " + auth.getMechanisms()[0]);
                assertArrayEquals("v".getBytes(), client.get("x-" + auth.getMechanisms()[0]));
            }
        }
    }

    @Test
    void folsomTextLoginAndBinaryPlain() throws Exception {
        roundTrip(new FolsomClient(address, false, "alice", "secret"), "folsom-ascii");
        roundTrip(new FolsomClient(address, true, "hashed", "pw"), "folsom-binary");
    }

    @Test
    void beforeLoginOnlySaslAndVersionAreServed() throws Exception {
        try (WireClient c = WireClient.connect(server.port())) {
            assertEquals("PLAIN CRAM-MD5", c.call(request(SASL_LIST_MECHS)).valueText());
            assertTrue(c.call(request(VERSION)).valueText().startsWith("1.6"));
            Response refused = c.call(request(GET, "k"));
            assertEquals(AUTH_ERROR, refused.status());
            assertEquals("Auth failure.", refused.valueText());
            assertTrue(c.closedByPeer(), "memcached closes after refusing an unauthenticated command");
        }
    }

    @Test
    void aStepBeforeAuthIsAnErrorAndRetriesAreBounded() throws Exception {
        try (WireClient c = WireClient.connect(server.port())) {
            assertEquals(AUTH_ERROR, c.call(request(SASL_STEP, "CRAM-MD5", new byte[0], ascii("alice 00"))).status());
            assertEquals(AUTH_ERROR, c.call(request(SASL_AUTH, "GSSAPI", new byte[0], new byte[0])).status());
            Response third = c.call(request(SASL_AUTH, "PLAIN", new byte[0], ascii("\0alice\0nope")));
            assertEquals(AUTH_ERROR, third.status());
            assertTrue(c.closedByPeer(), "closed after three failures");
        }
        try (WireClient c = WireClient.connect(server.port())) {
            Response ok = c.call(request(SASL_AUTH, "PLAIN", new byte[0], ascii("\0alice\0secret")));
            assertEquals(0, ok.status());
            assertEquals("Authenticated", ok.valueText());
            assertEquals(1, c.call(request(GET, "missing")).status(), "a miss, not a refusal, once logged in");
        }
    }

    @Test
    void cramMd5ByHand() throws Exception {
        try (WireClient c = WireClient.connect(server.port())) {
            Response challenge = c.call(request(SASL_AUTH, "CRAM-MD5", new byte[0], new byte[0]));
            assertEquals(AUTH_CONTINUE, challenge.status());
            Mac mac = Mac.getInstance("HmacMD5");
            mac.init(new SecretKeySpec(ascii("secret"), "HmacMD5"));
            String digest = HexFormat.of().formatHex(mac.doFinal(challenge.value()));
            assertEquals(0, c.call(request(SASL_STEP, "CRAM-MD5", new byte[0], ascii("alice " + digest))).status());
            // The challenge is spent: the same answer again is a step with nothing started.
            assertEquals(AUTH_ERROR, c.call(request(SASL_STEP, "CRAM-MD5", new byte[0], ascii("alice " + digest)))
                    .status());
        }
    }

    @Test
    void reloadKeepsLoggedInConnectionsAndAppliesToNewLogins() throws Exception {
        try (WireClient before = WireClient.connect(server.port())) {
            assertEquals("STORED", before.call("set a 0 0 12\r\nalice secret\r\n"));
            Files.writeString(users, "carol:pw3 role=readonly\n");
            assertTrue(server.reloadUsers());
            assertEquals("STORED", before.call("set k 0 0 1\r\nx\r\n"), "still logged in as alice");
            try (WireClient after = WireClient.connect(server.port())) {
                assertEquals("CLIENT_ERROR authentication failure", after.call("set a 0 0 12\r\nalice secret\r\n"));
                assertEquals("STORED", after.call("set a 0 0 9\r\ncarol pw3\r\n"));
                assertEquals("CLIENT_ERROR access denied", after.call("set k 0 0 1\r\ny\r\n"));
                assertEquals("x", after.get("k"));
            }
            Files.writeString(users, "broken line without colon\n");
            assertFalse(server.reloadUsers(), "a bad file keeps the previous users");
            try (WireClient again = WireClient.connect(server.port())) {
                assertEquals("STORED", again.call("set a 0 0 9\r\ncarol pw3\r\n"));
            }
        }
    }

    @Test
    void statsSettingsNameTheUsersFile() throws Exception {
        try (WireClient c = WireClient.connect(server.port())) {
            assertEquals("STORED", c.call("set a 0 0 12\r\nalice secret\r\n"));
            java.util.Map<String, String> settings = c.stats("settings");
            assertEquals("yes", settings.get("auth_enabled_sasl"));
            assertEquals(users.toString(), settings.get("auth_enabled_ascii"));
            assertNull(settings.get("password"));
        }
    }
}
