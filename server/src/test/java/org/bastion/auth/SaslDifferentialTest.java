package org.bastion.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bastion.testing.BinaryFrames;
import org.bastion.testing.MemcachedProcess;
import org.bastion.testing.PolicyServers;
import org.bastion.testing.WireClient;
import org.bastion.transport.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Binary SASL against Debian's {@code memcached -S} (Cyrus SASL with a sasldb made by {@code saslpasswd2}, from
 * Debian's sasl2-bin) and Bastion with the same user: the same conversations get the same statuses and bodies, and the
 * same connections are closed. Only the CRAM-MD5 challenge itself differs (it is random).
 */
class SaslDifferentialTest {
    private static final int GET = 0x00;
    private static final int VERSION = 0x0b;
    private static final int LIST_MECHS = 0x20;
    private static final int AUTH = 0x21;
    private static final int STEP = 0x22;
    private static final byte[] NONE = new byte[0];

    private static Path dir;
    private static MemcachedProcess memcached;
    private static Server bastion;

    @BeforeAll
    static void start() throws Exception {
        // memcached drops to nobody before Cyrus SASL reads its files: readable, in a directory nobody can enter.
        dir = Files.createTempDirectory("sasl-diff");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path sasldb = dir.resolve("sasldb2");
        Process passwd = new ProcessBuilder("saslpasswd2", "-p", "-a", "memcached", "-c", "-f", sasldb.toString(),
                "alice").redirectErrorStream(true).start();
        passwd.getOutputStream().write("secret".getBytes(StandardCharsets.US_ASCII));
        passwd.getOutputStream().close();
        assertTrue(passwd.waitFor(30, TimeUnit.SECONDS) && passwd.exitValue() == 0,
                "saslpasswd2: " + new String(passwd.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        Files.setPosixFilePermissions(sasldb, PosixFilePermissions.fromString("rw-r--r--"));
        Files.writeString(dir.resolve("memcached.conf"), "mech_list: plain cram-md5\nsasldb_path: " + sasldb + "\n");
        memcached = MemcachedProcess.startWithEnvironment(Map.of("SASL_CONF_PATH", dir.toString()), "-S");
        Path users = dir.resolve("users");
        Files.writeString(users, "alice:secret\n");
        Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rw-------"));
        bastion = Server.start(PolicyServers.settings().usersFile(users).build());
    }

    @AfterAll
    static void stop() throws Exception {
        if (memcached != null) {
            memcached.close();
        }
        if (bastion != null) {
            bastion.close();
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    private static byte[] request(int opcode, String key, String value) {
        return BinaryFrames.request(opcode, key.getBytes(StandardCharsets.ISO_8859_1), NONE,
                value.getBytes(StandardCharsets.ISO_8859_1), 0, 0);
    }

    /** Each request's reply as "opcode status body", then whether the server closed the connection. */
    private static List<String> conversation(int port, byte[]... requests) throws IOException {
        List<String> out = new ArrayList<>();
        try (WireClient c = WireClient.connect(port)) {
            for (byte[] r : requests) {
                BinaryFrames.Response response = c.call(r);
                out.add(Integer.toHexString(response.opcode()) + " " + Integer.toHexString(response.status()) + " "
                        + response.valueText());
            }
            c.timeoutMillis(500);
            out.add(c.closedByPeer() ? "closed" : "open");
        }
        return out;
    }

    private static void same(byte[]... requests) throws IOException {
        List<String> reference = conversation(memcached.port(), requests);
        assertEquals(reference, conversation(bastion.port(), requests));
    }

    @Test
    void mechanismsThenAFailedAndARightPlainLogin() throws IOException {
        same(request(LIST_MECHS, "", ""), request(AUTH, "PLAIN", "\0alice\0wrong"),
                request(AUTH, "PLAIN", "\0alice\0secret"), request(GET, "k", ""), request(VERSION, "", ""));
    }

    @Test
    void aCommandBeforeLoginIsRefusedAndClosed() throws IOException {
        same(request(GET, "k", ""));
    }

    @Test
    void versionIsServedBeforeLoginAndAStepWithoutAnAuthFails() throws IOException {
        same(request(VERSION, "", ""), request(STEP, "PLAIN", "\0alice\0secret"));
    }

    @Test
    void unknownMechanismUnknownUserAndAnAuthorizationId() throws IOException {
        same(request(AUTH, "NOPE", "x"));
        same(request(AUTH, "PLAIN", "\0bob\0x"));
        same(request(AUTH, "PLAIN", "alice\0alice\0secret"), request(GET, "k", ""));
    }

    @Test
    void cramMd5ChallengeAndAnswer() throws Exception {
        List<String> reference = cramMd5(memcached.port());
        assertEquals(List.of("21 21", "22 0 Authenticated", "0 1 Not found"), reference);
        assertEquals(reference, cramMd5(bastion.port()));
    }

    /** AUTH CRAM-MD5, STEP with "alice HMAC-MD5(secret, challenge)" in hex, then a GET. */
    private static List<String> cramMd5(int port) throws Exception {
        try (WireClient c = WireClient.connect(port)) {
            BinaryFrames.Response challenge = c.call(request(AUTH, "CRAM-MD5", ""));
            Mac mac = Mac.getInstance("HmacMD5");
            mac.init(new SecretKeySpec("secret".getBytes(StandardCharsets.US_ASCII), "HmacMD5"));
            String answer = "alice " + HexFormat.of().formatHex(mac.doFinal(challenge.value()));
            BinaryFrames.Response step = c.call(request(STEP, "CRAM-MD5", answer));
            BinaryFrames.Response get = c.call(request(GET, "k", ""));
            return List.of(Integer.toHexString(challenge.opcode()) + " " + Integer.toHexString(challenge.status()),
                    Integer.toHexString(step.opcode()) + " " + Integer.toHexString(step.status()) + " "
                            + step.valueText(),
                    Integer.toHexString(get.opcode()) + " " + Integer.toHexString(get.status()) + " "
                            + get.valueText());
        }
    }
}
