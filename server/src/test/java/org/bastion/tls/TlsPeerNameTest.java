package org.bastion.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bastion.command.Command;
import org.bastion.command.Executor;
import org.bastion.command.Outcome;
import org.bastion.config.Settings;
import org.bastion.config.TlsSettings;
import org.bastion.policy.ConnectionLimits;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.Session;
import org.bastion.policy.SourcePolicy;
import org.bastion.protocol.InputBudget;
import org.bastion.stats.Stats;
import org.bastion.testing.TestCertificates;
import org.bastion.testing.TestCertificates.Issued;
import org.bastion.testing.WireClient;
import org.bastion.transport.Pipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS as identity: the session that reaches the executor carries the verified client certificate's names
 * (subject CN first, then SAN DNS and email), for per-user rules to map to a user.
 */
class TlsPeerNameTest {
    @TempDir
    Path base;

    /** Remembers the session of every command and answers every get with a miss. */
    static final class SessionRecorder implements Executor {
        final List<Session> sessions = new CopyOnWriteArrayList<>();

        @Override
        public Outcome execute(Session session, Command command) {
            sessions.add(session);
            return Outcome.Done.MISS;
        }

        @Override
        public int maxItemSize() {
            return 1024 * 1024;
        }

        @Override
        public long deadline(long exptime) {
            return exptime;
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }
    }

    @Test
    void theVerifiedClientCertificateNamesTheSession() throws Exception {
        Path dir = TestCertificates.directory(base);
        Issued ca = TestCertificates.ca(dir, "ca");
        Issued server = TestCertificates.server(dir, ca, "server", "bastion", Duration.ofDays(30));
        Issued alice = TestCertificates.client(dir, ca, "alice", "alice@example.org", "alice.clients.example.org");
        TlsSettings tls = TlsSettings.builder().enabled(true).chainCert(server.certFile()).key(server.keyFile())
                .caCert(ca.certFile()).verifyMode(TlsSettings.VERIFY_REQUEST).build();
        Settings settings = Settings.builder().port(0).threads(1).tls(tls).build();
        Stats stats = new Stats();
        SessionRecorder exec = new SessionRecorder();
        Pipeline pipeline = new Pipeline(settings, exec, stats, new SecurityLog(), new SourcePolicy(settings),
                new ConnectionLimits(10, 0, stats.currConnections), InputBudget.unlimited(),
                ServerTls.start(tls, stats, 10));
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.AUTO_READ, false).childHandler(pipeline)
                    .bind(new InetSocketAddress(WireClient.LOCAL, 0)).sync().channel();
            int port = ((InetSocketAddress) listener.localAddress()).getPort();
            try (WireClient c = TlsClients.connect(alice.clientContext(ca), port)) {
                assertEquals("END", c.call("get k\r\n"));
            }
            // ssl_verify_mode 1 requests a certificate but serves a client without one, and its session has no name.
            try (WireClient c = TlsClients.connect(TestCertificates.clientContext(ca, null), port)) {
                assertEquals("END", c.call("get k\r\n"));
            }
            listener.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
        assertEquals(2, exec.sessions.size());
        Session named = exec.sessions.get(0);
        assertEquals("alice", named.tlsPeerName());
        assertEquals(List.of("alice", "alice.clients.example.org", "alice@example.org"), named.tlsPeerNames());
        assertNull(exec.sessions.get(1).tlsPeerName());
    }
}
