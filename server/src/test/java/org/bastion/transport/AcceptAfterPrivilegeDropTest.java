package org.bastion.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.SocketTimeoutException;
import org.bastion.config.Settings;
import org.bastion.testing.WireClient;
import org.bastion.transport.Server;
import org.junit.jupiter.api.Test;

/** The CLI binds, drops root, then accepts: nothing is served between bind and {@code acceptConnections()}. */
class AcceptAfterPrivilegeDropTest {
    @Test
    void aBoundButPausedServerAnswersOnlyOnceItAccepts() throws Exception {
        try (Server server = Server.bindWithoutAccepting(Settings.builder().port(0).build());
                WireClient client = WireClient.connect(server.port())) {
            // The kernel completes the handshake from the listen backlog; the server reads nothing yet.
            client.send("version\r\n");
            client.timeoutMillis(500);
            assertThrows(SocketTimeoutException.class, () -> client.readAtMost(1));
            server.acceptConnections();
            client.timeoutMillis(10_000);
            assertEquals("VERSION 1.6.18\r\n", client.readUntil("\r\n"));
        }
    }
}
