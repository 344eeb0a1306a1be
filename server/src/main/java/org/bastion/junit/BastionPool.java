package org.bastion.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Injects a running {@link ServerPool} of embedded Bastion servers into a field or test-method parameter of that type.
 *
 * <pre>{@code
 * class ShardedCacheTest {
 *     @BastionPool(size = 3)
 *     static ServerPool pool;                 // one pool for the class, stopped after its last test
 *
 *     @Test
 *     void spreads() {
 *         MemcachedClient client = new MemcachedClient(new KetamaConnectionFactory(),
 *                 AddrUtil.getAddresses(pool.serverList()));
 *         ...
 *     }
 *
 *     @Test
 *     void survivesANode(@BastionPool(size = 2) ServerPool own) {   // a pool for this test only
 *         own.stop(0);
 *         ...
 *     }
 * }
 * }</pre>
 *
 * <p>A static field gets one pool for the class (started before its {@code @BeforeAll} methods run, stopped after
 * the class); an instance field or a test-method parameter gets one pool per test, stopped after it. Each annotated
 * element gets a pool of its own; share one through a static field. Members use the embedded defaults (loopback,
 * ephemeral ports, hardened); for configured members, start a pool yourself with
 * {@link ServerPool#start(int, org.bastion.Bastion.Builder)}.
 */
@Target({ElementType.FIELD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ExtendWith(BastionPoolExtension.class)
public @interface BastionPool {
    /** How many servers the pool runs. */
    int size() default 3;
}
