package org.bastion.policy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bastion.config.Cidr;
import org.bastion.config.SettingsException;

/** The {@code --allow-file} format: one CIDR network per line; {@code #} starts a comment; blank lines are ignored. */
public final class AllowFile {
    static final String FLAG = "--allow-file";

    private AllowFile() {
    }

    /** Reads every rule or none: any unreadable file or bad line throws, naming the file and the line. */
    static List<Cidr> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            throw new SettingsException(FLAG, "cannot read " + file + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); fix the path or its permissions");
        }
        List<Cidr> rules = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String text = lines.get(i);
            int hash = text.indexOf('#');
            if (hash >= 0) {
                text = text.substring(0, hash);
            }
            text = text.strip();
            if (text.isEmpty()) {
                continue;
            }
            try {
                rules.add(Cidr.parse(FLAG, text));
            } catch (SettingsException e) {
                throw new SettingsException(FLAG, file + " line " + (i + 1) + ": '" + text
                        + "' is not an IP address or CIDR network (for example 10.0.0.0/8 or fd00::/8)");
            }
        }
        return List.copyOf(rules);
    }
}
