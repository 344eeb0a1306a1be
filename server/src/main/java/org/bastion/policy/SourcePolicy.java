package org.bastion.policy;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import org.bastion.config.Cidr;
import org.bastion.config.Settings;
import org.bastion.config.SettingsException;

/**
 * Who may connect and who may only read. With any {@code --allow} rule or an {@code --allow-file}, only listed
 * sources are served; with neither, only loopback sources are. The allow file's rules can be swapped at run time
 * ({@link #reloadAllowFile()}); the rest is fixed at start.
 */
public final class SourcePolicy {
    private static final System.Logger LOG = System.getLogger("org.bastion.server");

    private final List<Cidr> allowFlags;
    private final Path allowFile;
    private final List<Cidr> readOnly;
    /** Replaced whole on reload, so a connection is judged by one consistent set of rules. */
    private volatile List<Cidr> allowFromFile;

    /** Reads the allow file, if any: an unreadable or malformed file stops the start with a {@link SettingsException}. */
    public SourcePolicy(Settings settings) {
        this.allowFlags = settings.allow();
        this.allowFile = settings.allowFile();
        this.readOnly = settings.readOnlyFrom();
        this.allowFromFile = allowFile == null ? List.of() : AllowFile.read(allowFile);
    }

    /** Whether only listed sources are served (any allow rule or file), rather than loopback ones. */
    boolean listedOnly() {
        return !allowFlags.isEmpty() || allowFile != null;
    }

    /** Whether a connection from this source is served at all. */
    public boolean admits(InetAddress source) {
        if (source == null) {
            return false;
        }
        if (!listedOnly()) {
            return source.isLoopbackAddress();
        }
        return matches(allowFlags, source) || matches(allowFromFile, source);
    }

    /** Whether this source may only read. */
    boolean readOnly(InetAddress source) {
        return source != null && matches(readOnly, source);
    }

    /** The rules now in effect from the allow file. */
    List<Cidr> allowFileRules() {
        return allowFromFile;
    }

    /**
     * Re-reads the allow file. Connections already open stay open; new ones meet the new rules. A file that cannot be
     * read or parsed leaves the old rules in place and is logged as an error.
     *
     * @return true when the new rules are in effect; false when there is no allow file or it was bad
     */
    public boolean reloadAllowFile() {
        if (allowFile == null) {
            LOG.log(System.Logger.Level.WARNING, "reload: no --allow-file configured, nothing to reload");
            return false;
        }
        try {
            List<Cidr> rules = AllowFile.read(allowFile);
            allowFromFile = rules;
            LOG.log(System.Logger.Level.INFO, "reload: " + rules.size() + " rule(s) from " + allowFile);
            return true;
        } catch (SettingsException e) {
            LOG.log(System.Logger.Level.ERROR, "reload failed, keeping the " + allowFromFile.size()
                    + " previous rule(s): " + e.getMessage());
            return false;
        }
    }

    private static boolean matches(List<Cidr> rules, InetAddress source) {
        for (Cidr rule : rules) {
            if (rule.contains(source)) {
                return true;
            }
        }
        return false;
    }
}
