package dev.tenantcast.bus;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The id check is the documented shape, {@code [A-Za-z0-9_.:-]{1,128}}, for any string. */
class EventIdsProperties {
  private static final Pattern DOCUMENTED = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");

  @Property(tries = 2000)
  void anIdIsSafeExactlyWhenItHasTheDocumentedShape(@ForAll("ids") String id) {
    assertEquals(DOCUMENTED.matcher(id).matches(), EventIds.isSafe(id), id);
  }

  @Provide
  Arbitrary<String> ids() {
    Arbitrary<String> nearlySafe = Arbitraries.strings().withChars("aZ09_.:- \r\n\u0000é/").ofMinLength(0)
        .ofMaxLength(140);
    return Arbitraries.oneOf(nearlySafe, Arbitraries.strings().ofMaxLength(200));
  }

  @Example
  void theLimitsOfTheShape() {
    assertTrue(EventIds.isSafe("a".repeat(128)));
    assertFalse(EventIds.isSafe("a".repeat(129)));
    assertFalse(EventIds.isSafe(""));
    assertFalse(EventIds.isSafe(null));
    assertTrue(EventIds.isSafe("1764000000000-i1-7"));
  }
}
