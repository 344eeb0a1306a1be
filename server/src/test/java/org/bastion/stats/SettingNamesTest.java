package org.bastion.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.bastion.config.Settings;
import org.bastion.testing.TestServers;
import org.junit.jupiter.api.Test;

/** A setting has one name: the start-up banner uses the names `stats settings` prints. */
class SettingNamesTest {
    /** Banner lines `stats settings` has no key for: who the process runs as and where it logs. */
    private static final Set<String> BANNER_ONLY = Set.of("user", "logfile");

    @Test
    void everyBannerNameIsAStatsSettingsName() {
        Settings settings = Settings.builder().port(0).threads(1).maxConnectionsPerSource(5).readOnlyFrom("10.0.0.0/8")
                .metricsListen("127.0.0.1:0").user("nobody").build();
        TestServers.Parts parts = TestServers.parts(settings);
        List<Stat> stats = new ArrayList<>();
        new StatsReport(parts.store, parts.stats, settings, parts.control).settings(stats);
        Set<String> statNames = new TreeSet<>();
        stats.forEach(s -> statNames.add(s.name()));
        Set<String> unknown = new TreeSet<>();
        for (String line : settings.describe().split("\n")) {
            String name = line.substring(0, line.indexOf(' '));
            if (!statNames.contains(name) && !BANNER_ONLY.contains(name)) {
                unknown.add(name);
            }
        }
        assertEquals(Set.of(), unknown, "banner names that `stats settings` does not use");
    }
}
