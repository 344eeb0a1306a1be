package org.bastion.cli.tools;

/**
 * What the offline subcommands ({@code snapshot}, {@code migrate}, {@code passwd}) share with the server's command
 * line ({@code Main} uses these too): the exit status for a refused invocation, the form of log lines, the version. They start no server, so they live
 * apart from it.
 */
public final class Tool {
    /** Bad arguments or an unusable input: the same status the server uses for a refused configuration. */
    public static final int EXIT_USAGE = 64;

    private Tool() {
    }

    /** The timestamp log lines start with. */
    public static String timestamp() {
        return java.time.OffsetDateTime.now()
                .format(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX"));
    }

    /** This Bastion's version, from the jar's manifest. */
    public static String version() {
        String v = Tool.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }
}
