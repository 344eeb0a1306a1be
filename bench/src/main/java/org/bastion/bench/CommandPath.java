package org.bastion.bench;

import org.bastion.command.CommandExecutor;
import org.bastion.command.ServerControl;
import org.bastion.config.Settings;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.Session;
import org.bastion.protocol.text.TextProtocolHandler;
import org.bastion.stats.Stats;
import org.bastion.store.Clock;
import org.bastion.store.Store;

/** The server's real command path without sockets, as the benchmarks drive it: store, counters, executor, translator. */
final class CommandPath {
    final Stats stats = new Stats();
    final SecurityLog securityLog = new SecurityLog();
    final Store store;
    final CommandExecutor exec;

    CommandPath(long memoryLimitBytes) {
        Settings settings = Settings.defaults();
        store = new Store(memoryLimitBytes, false, settings.maxItemSize(), Clock.system(), stats);
        exec = new CommandExecutor(store, stats, settings, new NoControl(), securityLog);
    }

    /** A text protocol translator for one in-process connection. */
    TextProtocolHandler text() {
        return new TextProtocolHandler(exec, stats, securityLog, Session.local());
    }

    /** No server behind the benchmark: shutdown and verbosity do nothing. */
    private static final class NoControl implements ServerControl {
        @Override
        public void shutdown() {
        }

        @Override
        public void verbosity(int level) {
        }

        @Override
        public int verbosity() {
            return 0;
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
