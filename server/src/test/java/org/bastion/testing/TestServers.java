package org.bastion.testing;

import org.bastion.config.Settings;
import org.bastion.command.CommandExecutor;
import org.bastion.command.ServerControl;
import org.bastion.stats.Stats;
import org.bastion.store.Clock;
import org.bastion.store.ManualClock;
import org.bastion.store.Store;
import org.bastion.transport.Server;

/** Building blocks for tests that drive the command path without sockets. */
public final class TestServers {
    private TestServers() {
    }

    /** A CommandExecutor over a fresh Store on the given clock, with the given settings. */
    public static CommandExecutor executor(Settings settings, Clock clock) {
        Stats stats = new Stats();
        Store store = new Store(settings.memoryLimitBytes(), settings.evictionsDisabled(), clock, stats);
        return new CommandExecutor(store, stats, settings, new FakeControl());
    }

    public static CommandExecutor executor() {
        return executor(Settings.builder().threads(1).build(), new ManualClock());
    }

    /** Server-wide controls that only remember what they were asked. */
    public static final class FakeControl implements ServerControl {
        public int verbosity;
        int shutdowns;

        @Override
        public void shutdown() {
            shutdowns++;
        }

        @Override
        public void verbosity(int level) {
            verbosity = level;
        }

        @Override
        public int verbosity() {
            return verbosity;
        }

        @Override
        public int port() {
            return 0;
        }

        @Override
        public int threads() {
            return 1;
        }
    }
}
