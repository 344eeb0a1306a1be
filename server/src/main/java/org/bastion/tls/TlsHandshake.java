package org.bastion.tls;

import java.util.List;
import java.util.function.Function;
import org.bastion.policy.User;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.Session;
import org.bastion.stats.Stats;

/**
 * Sits right after the {@link SslHandler} until the handshake ends. On success it records the verified client
 * certificate's names on the {@link Session}, signs in the user the first of them names (mutual TLS as identity), and
 * leaves; on failure (a plain client on a TLS listener, a missing or
 * untrusted client certificate, a refused version or cipher) it counts {@code ssl_handshake_errors}, logs to the security
 * log and closes the connection, so nothing was ever served.
 */
public final class TlsHandshake extends ChannelInboundHandlerAdapter {
    private final Session session;
    private final Stats stats;
    private final SecurityLog securityLog;
    private final Function<String, User> identities;
    private boolean failed;

    TlsHandshake(Session session, Stats stats, SecurityLog securityLog, Function<String, User> identities) {
        this.identities = identities;
        this.session = session;
        this.stats = stats;
        this.securityLog = securityLog;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                recordPeer(ctx);
                ctx.pipeline().remove(this);
            } else {
                fail(ctx, done.cause());
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Until the handshake is done every error is a TLS error: counted once, never passed on to the protocol.
        fail(ctx, cause);
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        if (!failed) {
            failed = true;
            stats.sslHandshakeErrors.increment();
            Throwable root = cause;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            securityLog.event(SecurityLog.Kind.TLS_HANDSHAKE, ctx.channel().remoteAddress() instanceof
                    InetSocketAddress inet ? inet.getAddress() : null, "TLS handshake failed: " + root.getMessage());
        }
        ctx.close();
    }

    private void recordPeer(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return;
        }
        try {
            Certificate[] peer = ssl.engine().getSession().getPeerCertificates();
            if (peer.length > 0 && peer[0] instanceof X509Certificate cert) {
                List<String> names = PeerNames.of(cert);
                session.tlsPeerNames(names);
                // The first of its names (subject CN, then SANs) that is a user signs the connection in: per-user
                // rules apply without a password login.
                for (String name : names) {
                    User user = identities.apply(name);
                    if (user != null) {
                        session.signIn(user);
                        break;
                    }
                }
            }
        } catch (SSLPeerUnverifiedException e) {
            // No client certificate (ssl_verify_mode 0, or 1 and none sent): the session has no TLS name.
        }
    }
}
