package org.bastion.junit;

import java.util.Objects;
import org.bastion.Bastion;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that runs an embedded Bastion server for a test class or for each test.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final BastionExtension memcached = new BastionExtension();   // one server for the class
 *
 * @RegisterExtension
 * final BastionExtension memcached = new BastionExtension();          // one server per test
 *
 * @RegisterExtension
 * static final BastionExtension memcached =
 *         new BastionExtension(Bastion.builder().settings(s -> s.memoryLimitMegabytes(16).flushAllDisabled(true)));
 *
 * @ExtendWith(BastionExtension.class)                                 // one server for the class, as a parameter
 * class CacheTest { @Test void stores(Bastion server) { ... } }
 * }</pre>
 *
 * <p>In a static field the server starts before the class's first test (before its {@code @BeforeAll} methods) and
 * stops after the last one; in an instance field it starts before each test and stops after it (with
 * {@code @TestInstance(PER_CLASS)} an instance field lives as long as the class, and so does its server). A test
 * method, lifecycle method or constructor may declare a {@link Bastion} parameter to receive the running server.
 * Items are not flushed between tests that share a server: call {@link #flush()} in a {@code @BeforeEach} when tests
 * must not see each other's items. With two extensions in one class, use their fields rather than parameters.
 */
public final class BastionExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {
    private final Bastion.Builder builder;
    /** The running server, or null between scopes. */
    private volatile Bastion server;
    /** Unique id of the extension context that started {@link #server}: the one whose end stops it. */
    private String owner;

    /** An extension whose servers have the embedded defaults (loopback, ephemeral port, hardened). */
    public BastionExtension() {
        this(Bastion.builder());
    }

    /** An extension that starts its servers from this builder; later changes to the builder apply to later starts. */
    public BastionExtension(Bastion.Builder builder) {
        this.builder = Objects.requireNonNull(builder, "builder");
    }

    /** The running server. */
    public Bastion server() {
        Bastion s = server;
        if (s == null) {
            throw new IllegalStateException("no Bastion server is running: register the extension with "
                    + "@RegisterExtension and call this from a test, a lifecycle method or a test constructor");
        }
        return s;
    }

    /** The running server's bound TCP port. */
    public int port() {
        return server().port();
    }

    /** The running server's {@code host:port}, such as {@code 127.0.0.1:40123}, for client constructors. */
    public String address() {
        return server().hostAndPort();
    }

    /** Drops every item in the running server. */
    public void flush() {
        server().flushAll();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        startFor(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        startFor(context);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        stopFor(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stopFor(context);
    }

    /** Starts a server unless an enclosing scope (the class, or an outer class of a nested one) already runs one. */
    private synchronized void startFor(ExtensionContext context) {
        if (server == null) {
            server = builder.start();
            owner = context.getUniqueId();
        }
    }

    private synchronized void stopFor(ExtensionContext context) {
        if (server != null && context.getUniqueId().equals(owner)) {
            Bastion s = server;
            server = null;
            owner = null;
            s.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Bastion.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Bastion s = server;
        if (s == null) {
            throw new ParameterResolutionException("no Bastion server is running for " + parameter.getDeclaringExecutable()
                    + ": a constructor parameter needs the extension in a static field");
        }
        return s;
    }
}
