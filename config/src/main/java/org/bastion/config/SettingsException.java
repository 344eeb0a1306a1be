package org.bastion.config;

/**
 * A setting that cannot be used: the message is one line that names the flag and says what to do.
 */
public final class SettingsException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String flag;

    public SettingsException(String flag, String message) {
        super(flag + ": " + message);
        this.flag = flag;
    }

    /** The flag, in its command-line spelling, that this error is about. */
    public String flag() {
        return flag;
    }
}
