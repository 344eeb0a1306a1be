package org.bastion.junit;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The extension behind {@link BastionPool}: starts a {@link ServerPool} for each annotated static field before the
 * class, for each annotated instance field before each test, and for each annotated test-method parameter, and stops
 * every pool at the end of the scope that started it. Registered by the annotation itself; holds no state of its own
 * (the pools live in the JUnit context's store, keyed by that context), so JUnit may create it more than once.
 */
public final class BastionPoolExtension
        implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(BastionPoolExtension.class);

    /**
     * The pools one context started. AutoCloseable, so that JUnit 5.13+ closes them too should an after-callback not
     * run; {@link ServerPool#close()} is idempotent, so closing twice is harmless.
     */
    private static final class Started implements AutoCloseable {
        private final List<ServerPool> pools = new ArrayList<>();

        ServerPool start(BastionPool spec) {
            ServerPool pool = ServerPool.start(spec.size());
            pools.add(pool);
            return pool;
        }

        @Override
        public void close() {
            for (ServerPool p : pools) {
                p.close();
            }
            pools.clear();
        }
    }

    @SuppressWarnings("deprecation") // computeIfAbsent replaces it in Jupiter 6, but Jupiter 5 users have only this
    private static Started started(ExtensionContext context) {
        // Keyed by the context's own id: a lookup never finds an enclosing context's pools.
        return context.getStore(NAMESPACE).getOrComputeIfAbsent(context.getUniqueId(), k -> new Started(), Started.class);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IllegalAccessException {
        inject(context, context.getRequiredTestClass(), null);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IllegalAccessException {
        for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
            inject(context, instance.getClass(), instance);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        started(context).close();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        started(context).close();
    }

    /** Static fields when {@code instance} is null, else that instance's fields, of the class and its superclasses. */
    private static void inject(ExtensionContext context, Class<?> type, Object instance) throws IllegalAccessException {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                BastionPool spec = f.getAnnotation(BastionPool.class);
                if (spec == null || Modifier.isStatic(f.getModifiers()) != (instance == null)) {
                    continue;
                }
                if (f.getType() != ServerPool.class || Modifier.isFinal(f.getModifiers())) {
                    throw new ExtensionConfigurationException("@BastionPool field " + f + " must be a non-final "
                            + ServerPool.class.getSimpleName());
                }
                f.setAccessible(true);
                f.set(instance, started(context).start(spec));
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.isAnnotated(BastionPool.class) && parameter.getParameter().getType() == ServerPool.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        BastionPool spec = parameter.findAnnotation(BastionPool.class).orElseThrow();
        return started(context).start(spec);
    }
}
