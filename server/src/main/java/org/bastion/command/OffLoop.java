package org.bastion.command;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Runs work that would stall an event loop (a hashed-password check, a walk of the whole store) on the server's
 * slow-work executor, its outcome an {@link Outcome.Later} the translator answers once it completes.
 */
final class OffLoop {
    private OffLoop() {
    }

    /**
     * {@code work} on {@code executor}, as an {@link Outcome.Later}; {@code whenStopping} in place when the executor no
     * longer takes work (the server is stopping).
     */
    static Outcome later(Executor executor, Supplier<Outcome> work, Supplier<Outcome> whenStopping) {
        CompletableFuture<Outcome> result = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    result.complete(work.get());
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException stopping) {
            return whenStopping.get();
        }
        return new Outcome.Later(result);
    }
}
