package org.bastion.cli.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.bastion.auth.Users;
import org.bastion.policy.Access;
import org.bastion.policy.User;
import org.junit.jupiter.api.Test;

/** {@code bastion passwd}: a hashed users-file line that the server's parser reads back and that logs in. */
class PasswdCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String stdin, String... args) {
        return PasswdCommand.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true), new PrintStream(err, true));
    }

    @Test
    void printsAHashedLineThatLogsIn() {
        assertEquals(0, run("s3cret\n", "app", "--role", "readonly", "--prefix", "app:", "--iterations", "1000"));
        String line = out.toString(StandardCharsets.UTF_8).strip();
        assertTrue(line.startsWith("app:$pbkdf2-sha256$1000$"), line);
        assertTrue(line.endsWith(" role=readonly prefix=app:"), line);
        assertFalse(line.contains("s3cret"));
        Users users = Users.parse(Path.of("t"), (line + "\n").getBytes(StandardCharsets.UTF_8));
        User user = users.verify("app".getBytes(), "s3cret".getBytes());
        assertNotNull(user);
        assertFalse(user.role().grants(Access.WRITE));
        assertNull(users.verify("app".getBytes(), "s3creT".getBytes()));
        assertFalse(users.hasPlainPasswords());
    }

    @Test
    void badInputIsRefusedWithAReason() {
        assertEquals(Tool.EXIT_USAGE, run("", "app"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("first line of stdin"));
        assertEquals(Tool.EXIT_USAGE, run("pw\n", "app", "--role", "root"));
        assertEquals(Tool.EXIT_USAGE, run("pw\n"));
        assertEquals(Tool.EXIT_USAGE, run("pw\n", "bad name"));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }
}
