package dev.tenantcast.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** README's configuration table lists exactly the keys of conf/config.json, each with its variable. */
class ConfigDocumentationTest {
  private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\| `([A-Z_]+)`");

  @Test
  void readmeTableMatchesTheConfiguration() throws Exception {
    List<String> lines = Files.readAllLines(Path.of("README.md"));
    int start = lines.indexOf("<!-- config-table: kept in step with conf/config.json by ConfigDocumentationTest -->");
    Map<String, String> documented = new TreeMap<>();
    for (String line : lines.subList(start + 3, lines.size())) {
      if (!line.startsWith("|")) {
        break;
      }
      Matcher row = ROW.matcher(line);
      if (row.find()) {
        documented.put(row.group(2), row.group(1));
      }
    }
    Map<String, String> actual = new TreeMap<>(ConfigLoader.variables(ConfigLoader.defaults(Path.of(""))));
    ConfigLoader.ALIASES.keySet().forEach(actual::remove);
    Map<String, String> missing = new TreeMap<>(actual);
    documented.keySet().forEach(missing::remove);
    Map<String, String> stale = new TreeMap<>(documented);
    actual.keySet().forEach(stale::remove);
    assertEquals(Map.of(), missing, "keys missing from README's table");
    assertEquals(Map.of(), stale, "README rows for keys that no longer exist");
    assertEquals(actual, documented, "README rows that name the wrong key");
  }
}
