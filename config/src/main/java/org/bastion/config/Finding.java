package org.bastion.config;

import java.util.Locale;
import java.util.Objects;

/** One audit result: how serious it is, what was found, and what to change. */
public record Finding(Severity severity, String topic, String problem, String fix) {

    /** How much a finding matters; {@link #INFO} is reported but is not a problem on its own. */
    public enum Severity {
        HIGH, MEDIUM, LOW, INFO;

        /** Whether a finding of this severity makes {@code audit} exit non-zero. */
        public boolean isProblem() {
            return this != INFO;
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Finding {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(fix, "fix");
    }

    /** Two lines: {@code SEVERITY  topic: problem} and the indented fix (none for a note without one). */
    public String render() {
        String head = String.format(Locale.ROOT, "%-7s %s: %s", severity.name(), topic, problem);
        return fix.isEmpty() ? head : head + "\n        fix: " + fix;
    }
}
