package org.bastion.testing;

import org.bastion.config.Settings;

/** Settings for hardening tests: an ephemeral port on 127.0.0.1, one worker, small memory. */
public final class PolicyServers {
    private PolicyServers() {
    }

    public static Settings.Builder settings() {
        return Settings.builder().port(0).threads(2).memoryLimitMegabytes(16);
    }
}
