package dev.tenantcast.app;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The jar as a user gets it from README's build: what it does with arguments, and how it was packaged. */
class PackagedJarIT {
  private static final Path JAR = Path.of("target", "tenantcast.jar");

  private record Run(int exit, String output) {
  }

  private static Run java(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", JAR.toString()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      // --help and a refused token must answer at once; a started server would not exit, and fail here
      assertTrue(process.waitFor(30, TimeUnit.SECONDS), "exited: " + String.join(" ", args));
      return new Run(process.exitValue(), new String(process.getInputStream().readAllBytes()));
    } finally {
      process.destroyForcibly();
    }
  }

  @Test
  void helpPrintsTheUsageInsteadOfStartingTheServer() throws Exception {
    Run run = java("--help");
    assertEquals(0, run.exit(), run.output());
    assertTrue(run.output().contains("usage:"), run.output());
    assertFalse(run.output().contains("HTTP listening"), run.output());
    Run unknown = java("--port", "9090");
    assertEquals(2, unknown.exit(), unknown.output());
    assertTrue(unknown.output().contains("unknown argument --port"), unknown.output());
  }

  @Test
  void theTokenCommandRefusesAMissingOrInvalidTenant() throws Exception {
    Run none = java("token", "--roles", "publisher");
    assertEquals(2, none.exit(), none.output());
    assertTrue(none.output().contains("needs --tenant"), none.output());
    Run invalid = java("token", "--tenant", "a b/c");
    assertEquals(2, invalid.exit(), invalid.output());
    assertTrue(invalid.output().contains("a tenant id is"), invalid.output());
    Run admin = java("token", "--roles", "admin");
    assertEquals(0, admin.exit(), admin.output());
    assertTrue(admin.output().strip().matches("(?s).*\\n?[\\w-]+\\.[\\w-]+\\.[\\w-]+$"), admin.output());
  }

  @Test
  void theShadedJarWasBuiltFromAThinOneNotFromAnEarlierShadedJar() throws Exception {
    try (ZipFile original = new ZipFile(Path.of("target", "original-tenantcast.jar").toFile());
         ZipFile shaded = new ZipFile(JAR.toFile())) {
      assertTrue(original.getEntry("dev/tenantcast/Main.class") != null);
      assertTrue(original.getEntry("io/vertx/core/Vertx.class") == null,
          "the input of the shade plugin holds only our classes (a rebuild after package reshaded the last jar)");
      assertTrue(shaded.getEntry("io/vertx/core/Vertx.class") != null);
    }
  }

  @Test
  void theJarCarriesTheApiDocumentAndThePublishScript() throws Exception {
    // GET /openapi.json serves the first from the class path; producers are told to copy the second from the jar
    try (ZipFile shaded = new ZipFile(JAR.toFile())) {
      assertTrue(shaded.getEntry("openapi/tenantcast.json") != null, "openapi/tenantcast.json in the jar");
      assertTrue(shaded.getEntry("redis/tenantcast-publish.lua") != null, "the publish script in the jar");
    }
  }
}
