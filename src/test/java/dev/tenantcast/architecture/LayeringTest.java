package dev.tenantcast.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.Architectures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The house, top to bottom, and no arrow back up:
 * <pre>
 * app (wiring)              http (router, endpoints, auth handler, errors)
 *   |                          |
 * redis (a broker)          sse (streams, fan-out, framing)
 *   |                          |
 *   +---------> bus <----------+     (the broker contract)
 *       service, auth, config, stats, limits, log (shared services and leaves)
 * </pre>
 */
class LayeringTest {
  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.tenantcast");
  }

  /** The layers and who may use each. */
  static Architectures.LayeredArchitecture layers() {
    return Architectures.layeredArchitecture().consideringOnlyDependenciesInLayers()
        .layer("Wiring").definedBy("dev.tenantcast", "dev.tenantcast.app..")
        .layer("Http").definedBy("dev.tenantcast.http..")
        .layer("Streams").definedBy("dev.tenantcast.sse..")
        .layer("Brokers").definedBy("dev.tenantcast.redis..")
        .layer("Service").definedBy("dev.tenantcast.service..")
        .layer("Contract").definedBy("dev.tenantcast.bus..")
        .layer("Leaves").definedBy("dev.tenantcast.auth..", "dev.tenantcast.config..", "dev.tenantcast.stats..",
            "dev.tenantcast.limits..", "dev.tenantcast.log..")
        .whereLayer("Wiring").mayNotBeAccessedByAnyLayer()
        .whereLayer("Http").mayOnlyBeAccessedByLayers("Wiring")
        .whereLayer("Streams").mayOnlyBeAccessedByLayers("Http")
        .whereLayer("Brokers").mayOnlyBeAccessedByLayers("Wiring")
        .whereLayer("Service").mayOnlyBeAccessedByLayers("Wiring", "Http", "Brokers")
        .whereLayer("Contract").mayOnlyBeAccessedByLayers("Wiring", "Http", "Streams", "Brokers", "Service", "Leaves")
        .whereLayer("Leaves").mayOnlyBeAccessedByLayers("Wiring", "Http", "Streams", "Brokers", "Service", "Leaves");
  }

  /** The contract stands on its own: a new broker or a new front end plugs into it without changing it. */
  static ArchRule contractIsSelfContained() {
    return noClasses().that().resideInAPackage("dev.tenantcast.bus..").should().dependOnClassesThat()
        .resideInAnyPackage("dev.tenantcast.app..", "dev.tenantcast.http..", "dev.tenantcast.sse..",
            "dev.tenantcast.redis..", "dev.tenantcast.service..", "dev.tenantcast.auth..", "dev.tenantcast.config..",
            "dev.tenantcast.stats..", "dev.tenantcast.limits..", "dev.tenantcast.log..");
  }

  @Test
  void arrowsOnlyRunDownwards() {
    layers().check(main);
  }

  @Test
  void theBrokerContractDependsOnNothingOfOurs() {
    contractIsSelfContained().check(main);
  }

  @Test
  void theStreamingEngineKnowsNeitherRoutingNorRedis() {
    noClasses().that().resideInAPackage("dev.tenantcast.sse..").should().dependOnClassesThat()
        .resideInAnyPackage("io.vertx.ext.web..", "io.vertx.redis..").check(main);
  }

  @Test
  void theHttpSideKnowsNoBrokerImplementation() {
    noClasses().that().resideInAPackage("dev.tenantcast.http..").should().dependOnClassesThat()
        .resideInAnyPackage("io.vertx.redis..").check(main);
  }

  @Test
  void aBackEdgeWouldFailTheCheck() {
    // BackEdgeSample, in the test sources of sse, uses http: what these rules are for.
    JavaClasses withBackEdge = new ClassFileImporter().importPackages("dev.tenantcast");
    assertTrue(layers().evaluate(withBackEdge).hasViolation(), "the layering rule missed sse -> http");
  }
}
