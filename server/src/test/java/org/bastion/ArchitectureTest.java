package org.bastion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package structure, checked from the sources on every build: what docs/architecture.md promises stays true.
 * Dependencies are read from each file's imports and fully qualified names.
 */
class ArchitectureTest {
    private static final Path MAIN = Path.of("src/main/java");
    /** Packages whose public types are Bastion's API; everything else is internal. */
    private static final Set<String> PUBLIC_API = Set.of("org.bastion", "org.bastion.config", "org.bastion.junit");
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern REFERENCE = Pattern.compile("\\b(org\\.bastion(?:\\.[a-z]\\w*)*)\\.[A-Z]");
    private static final int MAX_FILES_PER_PACKAGE = 15;
    private static final int MAX_LINES = 400;

    /** Source file → its text. */
    private static final Map<Path, String> SOURCES = new TreeMap<>();
    /** Package → the other org.bastion packages it uses. */
    private static final Map<String, Set<String>> USES = new TreeMap<>();

    @BeforeAll
    static void readSources() throws IOException {
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                SOURCES.put(file, Files.readString(file));
            }
        }
        for (Map.Entry<Path, String> source : SOURCES.entrySet()) {
            String pkg = packageOf(source.getValue());
            Set<String> uses = USES.computeIfAbsent(pkg, p -> new TreeSet<>());
            Matcher m = REFERENCE.matcher(code(source.getValue()));
            while (m.find()) {
                if (!m.group(1).equals(pkg)) {
                    uses.add(m.group(1));
                }
            }
        }
    }

    /** The source without comments and string literals: only code makes a dependency. */
    private static String code(String source) {
        String noStrings = source.replaceAll("\"(?:\\\\.|[^\"\\\\\n])*\"", "\"\"");
        return noStrings.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
    }

    private static String packageOf(String source) {
        Matcher m = PACKAGE.matcher(source);
        return m.find() ? m.group(1) : "";
    }

    @Test
    void packagesHaveNoCycles() {
        List<String> cycles = new ArrayList<>();
        for (String start : USES.keySet()) {
            findCycle(start, start, new ArrayList<>(List.of(start)), new TreeSet<>(), cycles);
        }
        assertEquals(List.of(), cycles, "package cycles (a → b → … → a)");
    }

    private static void findCycle(String start, String at, List<String> path, Set<String> seen, List<String> out) {
        for (String next : USES.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                out.add(String.join(" → ", path) + " → " + start);
            } else if (next.compareTo(start) > 0 && seen.add(next)) {
                // Only cycles through packages ordered after the start: each cycle is reported once, from its least.
                path.add(next);
                findCycle(start, next, path, seen, out);
                path.remove(path.size() - 1);
            }
        }
    }

    @Test
    void packagesStaySmall() {
        Map<String, Integer> files = new TreeMap<>();
        SOURCES.keySet().forEach(f -> files.merge(MAIN.relativize(f.getParent()).toString(), 1, Integer::sum));
        files.forEach((pkg, count) -> assertTrue(count <= MAX_FILES_PER_PACKAGE, pkg + " has " + count + " files"));
    }

    @Test
    void longClassesSayWhyAtTheirTop() {
        for (Map.Entry<Path, String> source : SOURCES.entrySet()) {
            String text = source.getValue();
            long lines = text.lines().count();
            if (lines > MAX_LINES) {
                String top = text.substring(0, text.indexOf("\npublic ") > 0 ? text.indexOf("\npublic ")
                        : Math.min(text.length(), 4000));
                assertTrue(top.contains("Long because"), source.getKey() + " has " + lines
                        + " lines and no \"Long because\" reason in its class comment");
            }
        }
    }

    @Test
    void policyIsDecidedInOnePlace() {
        List<Path> callers = SOURCES.entrySet().stream().filter(e -> e.getValue().contains(".decide("))
                .map(e -> MAIN.relativize(e.getKey())).toList();
        assertEquals(List.of(Path.of("org/bastion/command/CommandExecutor.java")), callers);
        String executor = SOURCES.get(MAIN.resolve("org/bastion/command/CommandExecutor.java"));
        assertEquals(1, executor.split("\\.decide\\(", -1).length - 1, "one decide() call in the executor");
    }

    @Test
    void translatorsReachOnlyTheExecutor() {
        Pattern forbidden = Pattern.compile("\\bCommandExecutor\\b|\\bPolicy\\b|\\bStore\\s+\\w+\\s*[;=,)]"
                + "|\\bnew Store\\(|\\bStatsReport\\s+\\w+\\s*[;=,)]");
        for (Map.Entry<Path, String> source : SOURCES.entrySet()) {
            if (packageOf(source.getValue()).startsWith("org.bastion.protocol")) {
                Matcher m = forbidden.matcher(code(source.getValue()));
                assertTrue(!m.find(), source.getKey() + " reaches past the executor: " + (m.hitEnd() ? "" : m.group()));
            }
        }
    }

    @Test
    void internalTypesDoNotLeakIntoThePublicApi() throws ClassNotFoundException {
        List<String> leaks = new ArrayList<>();
        for (Map.Entry<Path, String> source : SOURCES.entrySet()) {
            String pkg = packageOf(source.getValue());
            if (!PUBLIC_API.contains(pkg)) {
                continue;
            }
            String simple = source.getKey().getFileName().toString().replace(".java", "");
            if (simple.equals("package-info")) {
                continue;
            }
            checkType(Class.forName(pkg + "." + simple), leaks);
        }
        assertEquals(List.of(), leaks, "public API members whose signatures name internal types");
    }

    private static void checkType(Class<?> type, List<String> leaks) {
        if (!Modifier.isPublic(type.getModifiers())) {
            return;
        }
        if (type.getSuperclass() != null) {
            check(type.getName() + " extends", type.getGenericSuperclass(), leaks);
        }
        for (Type i : type.getGenericInterfaces()) {
            check(type.getName() + " implements", i, leaks);
        }
        for (Field f : type.getDeclaredFields()) {
            if (exposed(f.getModifiers())) {
                check(type.getName() + "." + f.getName(), f.getGenericType(), leaks);
            }
        }
        List<Executable> members = new ArrayList<>(List.of(type.getDeclaredMethods()));
        members.addAll(List.of((Constructor<?>[]) type.getDeclaredConstructors()));
        for (Executable e : members) {
            if (!exposed(e.getModifiers()) || e.isSynthetic()) {
                continue;
            }
            String where = type.getName() + "." + e.getName();
            if (e instanceof Method m) {
                check(where + " returns", m.getGenericReturnType(), leaks);
            }
            for (Type p : e.getGenericParameterTypes()) {
                check(where + " takes", p, leaks);
            }
            for (Type x : e.getGenericExceptionTypes()) {
                check(where + " throws", x, leaks);
            }
        }
        for (Class<?> nested : type.getDeclaredClasses()) {
            checkType(nested, leaks);
        }
    }

    private static boolean exposed(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void check(String where, Type type, List<String> leaks) {
        if (type instanceof Class<?> c) {
            while (c.isArray()) {
                c = c.getComponentType();
            }
            String pkg = c.getPackageName();
            if (pkg.startsWith("org.bastion") && !PUBLIC_API.contains(pkg)) {
                leaks.add(where + " " + c.getName());
            }
        } else if (type instanceof ParameterizedType p) {
            check(where, p.getRawType(), leaks);
            for (Type arg : p.getActualTypeArguments()) {
                check(where, arg, leaks);
            }
        } else if (type instanceof WildcardType w) {
            for (Type bound : w.getUpperBounds()) {
                check(where, bound, leaks);
            }
        }
    }
}
