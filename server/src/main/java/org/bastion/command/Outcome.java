package org.bastion.command;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.bastion.policy.Decision;
import org.bastion.stats.Stat;
import org.bastion.store.Item;
import org.bastion.store.Store;

/**
 * What executing a {@link Command} came to, in protocol-neutral terms; each translator turns it into its own bytes
 * (text {@code NOT_FOUND}, meta {@code NF}, binary status 0x0001 for the same miss).
 */
public sealed interface Outcome {

    /** Outcomes that carry nothing. */
    enum Done implements Outcome {
        /** Done, nothing to report (flush_all, verbosity, shutdown, stats detail off). */
        OK,
        /** The key is not there. */
        MISS,
        /** The value is over {@code -I}: refused (and for a set the old value deleted). */
        TOO_LARGE,
        /** {@code stats reset}. */
        RESET,
        /** An argument that did not parse, found only after policy had its say (flush_all's delay). */
        BAD_ARGUMENT,
        /** A {@code stats} group that does not exist. */
        UNKNOWN_STATS,
        /** {@code cache_memlimit} below memcached's floor of 8 MB. */
        MEMORY_LIMIT_TOO_SMALL,
        /** {@code cache_memlimit} beyond what this JVM's heap can hold (Bastion's own limit). */
        MEMORY_LIMIT_TOO_LARGE,
        /** A command the server was started without ({@code watch} under {@code -W}). */
        NOT_ENABLED,
        /** {@code lru_crawler metadump} of a class that does not exist. */
        BAD_CLASS,
        /** {@code watch} with {@link org.bastion.stats.LogWatchers#LIMIT} watchers already attached. */
        TOO_MANY_WATCHERS
    }

    /** Policy said no; the reason decides the reply (memcached's for {@code -F}/{@code -A}/{@code -X}). */
    enum Refused implements Outcome {
        READ_ONLY, FLUSH_DISABLED, SHUTDOWN_DISABLED, DUMP_DISABLED,
        /** Not logged in (translators answer before this can happen; the policy holds it anyway). */
        UNAUTHENTICATED,
        /** The user's role or key prefix does not allow it: answered as a read-only refusal is. */
        DENIED;

        private static final Map<Decision, Refused> BY_DECISION = new EnumMap<>(Map.of(
                Decision.READ_ONLY, READ_ONLY, Decision.FLUSH_DISABLED, FLUSH_DISABLED,
                Decision.SHUTDOWN_DISABLED, SHUTDOWN_DISABLED, Decision.DUMP_DISABLED, DUMP_DISABLED,
                Decision.UNAUTHENTICATED, UNAUTHENTICATED, Decision.ROLE, DENIED, Decision.OUTSIDE_PREFIX, DENIED));

        static Refused of(Decision decision) {
            return BY_DECISION.get(decision);
        }
    }

    /** A get found its item. Owned by one reused {@link Command.Get}: read it before the next get. */
    final class Hit implements Outcome {
        private Item item;

        Hit of(Item found) {
            this.item = found;
            return this;
        }

        public Item item() {
            return item;
        }
    }

    /** A storage command's result and, when stored, the item as stored (its CAS). */
    record Wrote(Store.StoreResult result, Item item) implements Outcome {
    }

    /** A meta get's result with the bookkeeping its flags print. */
    record Read(Store.ReadResult result) implements Outcome {
    }

    /** A delete's result. */
    record Deleted(Store.DeleteResult result) implements Outcome {
    }

    /** An incr/decr's result. */
    record Counted(Store.DeltaResult result) implements Outcome {
    }

    /** A touch that found its item, or a meta debug's item. */
    record Found(Item item) implements Outcome {
    }

    /** {@code stats} figures as name/value pairs, in memcached's order; each protocol formats them. */
    record Figures(List<Stat> stats) implements Outcome {
    }

    /**
     * A {@code stats} subcommand whose reply is not name/value pairs: {@code cachedump}'s ITEM lines and the error and
     * status lines memcached gives for bad arguments. Text only; the binary protocol answers it with its terminator.
     */
    /** {@code watch} accepted: stream the watcher's lines; run {@code detach} when the connection closes. */
    record Watching(org.bastion.stats.Watcher watcher, Runnable detach) implements Outcome {
    }

    record Lines(List<String> lines) implements Outcome {
    }


    /** A server-side failure with memcached's own line for it, without its CRLF ({@code refresh_certs}). */
    record Failed(String line) implements Outcome {
    }

    /**
     * A snapshot was started: {@code durable} completes (on the snapshot thread) with a one-line summary once the file
     * is durable, or with the failure. The translator holds the connection's later requests until then, so replies
     * stay in order, and answers from its event loop.
     */
    record Snapshotting(java.util.concurrent.CompletableFuture<String> durable) implements Outcome {
    }

    /**
     * The outcome comes later: {@code result} completes on another thread (a password check, {@link Logins}; a
     * {@code stats} group that walks the whole store). The
     * translator holds the connection's later requests until then, and answers from its event loop.
     */
    record Later(java.util.concurrent.CompletableFuture<Outcome> result) implements Outcome {
    }

    /**
     * A login's result. {@code CONTINUE} carries a SASL challenge; {@code FAILED_CLOSE} is a failure after which the
     * connection must close (too many failures on it); {@code BUSY}: the password was not checked, because the checks
     * already waiting fill their queue. It is not a failed login and must not be answered as one.
     */
    record LoginResult(Status status, byte[] challenge) implements Outcome {
        public enum Status { OK, CONTINUE, FAILED, FAILED_CLOSE, BUSY }

        public boolean failed() {
            return status == Status.FAILED || status == Status.FAILED_CLOSE;
        }
    }

    /** {@code lru_crawler metadump}'s item lines, in memcached's format, without line ends, made as they are read. */
    record ItemDump(java.util.Iterator<String> items) implements Outcome {
    }
}
