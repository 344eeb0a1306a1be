package org.bastion.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * memcached's {@code -s}/{@code -a}: one listener on a Unix domain socket, whose file permissions decide who may
 * connect. The socket is bound under a temporary name, given its permissions, then renamed into place, so no client
 * can reach it before its permissions hold (memcached narrows the process umask around bind for the same reason).
 */
final class UnixListener {
    /** The file type bits of {@code st_mode} for a socket ({@code S_IFSOCK}). */
    private static final int SOCKET_TYPE = 0140000;
    private static final int TYPE_MASK = 0170000;

    private UnixListener() {
    }

    /** Binds {@code path} with the given permission bits; a stale socket file left by a stopped server is replaced. */
    static Channel bind(ServerBootstrap bootstrap, Path path, int mask) throws InterruptedException {
        clearStale(path);
        Path fresh = path.resolveSibling(path.getFileName() + ".new");
        try {
            Files.deleteIfExists(fresh);
            Channel ch = bootstrap.bind(new DomainSocketAddress(fresh.toString())).sync().channel();
            try {
                Files.setPosixFilePermissions(fresh, permissions(mask));
                Files.move(fresh, path, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException e) {
                ch.close().sync();
                Files.deleteIfExists(fresh);
                throw e;
            }
            return ch;
        } catch (IOException | RuntimeException e) {
            // Netty may report a failed bind (no such directory, path too long) as an unchecked native exception.
            throw new IllegalStateException(cannot(path) + e.getMessage(), e);
        }
    }

    /**
     * A socket file nobody listens on is what a stopped server leaves behind: memcached removes it, and so does this.
     * Anything else at the path, or a socket a live server still answers on, is left alone and refused.
     */
    private static void clearStale(Path path) {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return;
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException(cannot(path) + e.getMessage(), e);
        }
        if ((mode & TYPE_MASK) != SOCKET_TYPE) {
            throw new IllegalStateException(cannot(path) + "the file exists and is not a socket; remove it or choose"
                    + " another path");
        }
        if (answers(path)) {
            throw new IllegalStateException(cannot(path) + "another server listens on it");
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new IllegalStateException(cannot(path) + "the stale socket file cannot be removed: " + e.getMessage(),
                    e);
        }
    }

    private static boolean answers(Path path) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return probe.connect(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            return false;
        }
    }

    /** Permission bits as in chmod: 0700 is rwx for the owner only. */
    static Set<PosixFilePermission> permissions(int mask) {
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] byBit = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        for (int bit = 0; bit < byBit.length; bit++) {
            if ((mask & (1 << bit)) != 0) {
                out.add(byBit[bit]);
            }
        }
        return out;
    }

    private static String cannot(Path path) {
        return "-s/--unix-socket: cannot listen on " + path + ": ";
    }
}
