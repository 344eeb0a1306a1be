package org.bastion.cli.tools;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.bastion.auth.PasswordHash;
import org.bastion.auth.Users;
import org.bastion.config.SettingsException;
import org.bastion.policy.Role;

/**
 * {@code bastion passwd USER [--role ROLE] [--prefix PREFIX] [--iterations N]}: reads a password from the first line
 * of stdin and prints a users-file line with it hashed ({@code USER:$pbkdf2-sha256$...}), so no plain password need
 * be stored. The line is checked by the same parser the server uses before it is printed.
 */
public final class PasswdCommand {
    static final String USAGE = "usage: bastion passwd USER [--role full|readonly|read,write,...] [--prefix KEYPREFIX]"
            + " [--iterations N] < password";

    private PasswdCommand() {
    }

    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].startsWith("-")) {
            err.println(USAGE);
            return Tool.EXIT_USAGE;
        }
        String user = args[0];
        StringBuilder options = new StringBuilder();
        int iterations = PasswordHash.DEFAULT_ITERATIONS;
        try {
            for (int i = 1; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--role" -> {
                        Role.parse("--role", require(value, "--role"));
                        options.append(" role=").append(value);
                    }
                    case "--prefix" -> options.append(" prefix=").append(require(value, "--prefix"));
                    case "--iterations" -> iterations = Integer.parseInt(require(value, "--iterations"));
                    default -> throw new SettingsException(args[i], "unknown option; " + USAGE);
                }
                i++;
            }
            String password = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
            if (password == null || password.isEmpty() || password.indexOf(' ') >= 0) {
                throw new SettingsException("passwd", "give the password, without spaces, on the first line of stdin"
                        + " (for example: printf '%s\\n' \"$PW\" | bastion passwd " + user + ")");
            }
            String line = user + ":" + PasswordHash.hash(password.toCharArray(), iterations) + options;
            // The server's own parser: a name or option it would refuse is refused now, not at its next start.
            Users.parse(Path.of("(passwd)"), (line + "\n").getBytes(StandardCharsets.UTF_8));
            out.println(line);
            return 0;
        } catch (SettingsException e) {
            err.println("bastion: " + e.getMessage());
            return Tool.EXIT_USAGE;
        } catch (NumberFormatException | IOException e) {
            err.println("bastion: passwd: " + e.getMessage());
            return Tool.EXIT_USAGE;
        }
    }

    private static String require(String value, String flag) {
        if (value == null) {
            throw new SettingsException(flag, "needs a value; " + USAGE);
        }
        return value;
    }
}
