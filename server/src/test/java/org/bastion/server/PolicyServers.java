package org.bastion.server;

import org.bastion.config.Settings;

/** Settings for hardening tests: an ephemeral port on 127.0.0.1, one worker, small memory. */
final class PolicyServers {
    private PolicyServers() {
    }

    static Settings.Builder settings() {
        return Settings.builder().port(0).threads(2).memoryLimitMegabytes(16);
    }
}
