package org.bastion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The embedding snippet of docs/embedding.md (the README links to it) and the example project that
 * {@code mvn -B verify} builds (with
 * maven-invoker-plugin) are the same text, so the snippet users copy is the one that was proven to pass.
 */
class ReadmeSnippetTest {
    private static final Path ROOT = Path.of("..");
    private static final Path EXAMPLE = ROOT.resolve("examples/junit5-spymemcached");

    @Test
    void javaSnippetIsTheExampleTestVerbatim() throws IOException {
        String snippet = block(section(), "```java\n");
        String example = Files.readString(EXAMPLE.resolve("src/test/java/com/example/CacheTest.java"));
        assertEquals(example, snippet);
    }

    @Test
    void dependencySnippetIsInTheExamplePom() throws IOException {
        List<String> snippet = trimmed(block(section(), "```xml\n"));
        List<String> pom = trimmed(Files.readString(EXAMPLE.resolve("pom.xml")));
        assertTrue(snippet.contains("<artifactId>bastion-server</artifactId>") && snippet.contains("<scope>test</scope>"),
                "the snippet is a test dependency on bastion-server: " + snippet);
        assertTrue(java.util.Collections.indexOfSubList(pom, snippet) >= 0,
                "examples/junit5-spymemcached/pom.xml must contain the README's dependency snippet:\n" + snippet);
    }

    @Test
    void exampleDependsOnTheVersionBeingBuilt() throws IOException {
        // The invoker installs this build's version; an example pinned to another one would test something else.
        String pom = Files.readString(EXAMPLE.resolve("pom.xml"));
        String parent = Files.readString(ROOT.resolve("pom.xml"));
        String version = parent.substring(parent.indexOf("<version>") + 9, parent.indexOf("</version>"));
        assertTrue(pom.contains("<version>" + version + "</version>"), "example must use " + version);
    }

    private static String section() throws IOException {
        String readme = Files.readString(ROOT.resolve("docs/embedding.md"));
        int start = readme.indexOf("\n## Embedding and JUnit 5\n");
        assertTrue(start >= 0, "docs/embedding.md has a section '## Embedding and JUnit 5'");
        int end = readme.indexOf("\n## ", start + 1);
        return end < 0 ? readme.substring(start) : readme.substring(start, end);
    }

    /** The first fenced block opened by {@code fence}, without its fences. */
    private static String block(String text, String fence) {
        int open = text.indexOf(fence);
        assertTrue(open >= 0, "no " + fence.trim() + " block");
        int from = open + fence.length();
        return text.substring(from, text.indexOf("```\n", from));
    }

    private static List<String> trimmed(String text) {
        return text.lines().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.toList());
    }
}
