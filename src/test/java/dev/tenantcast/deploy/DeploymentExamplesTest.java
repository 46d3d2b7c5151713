package dev.tenantcast.deploy;

import dev.tenantcast.Main;
import dev.tenantcast.config.ConfigException;
import dev.tenantcast.config.ConfigLoader;
import dev.tenantcast.config.TenantcastConfig;
import dev.tenantcast.testing.TestRedis;
import dev.tenantcast.testing.TestService;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The deployment examples in deploy/ say what the service does: their ports, probe paths, TENANTCAST_* variables,
 * grace periods and proxy settings are checked here against the service's own configuration code and against README,
 * so that a renamed setting, a changed default or an edited README breaks the build instead of a deployment.
 * (What the nginx settings do is proven by running nginx: {@link NginxProxyTest}.)
 */
class DeploymentExamplesTest {
  private static final Path KUBERNETES = Path.of("deploy/kubernetes");
  private static final Path COMPOSE = Path.of("deploy/compose/compose.yaml");
  private static final Path NGINX_CONF = Path.of("deploy/compose/nginx.conf");
  /** Stands in for a Secret's value: long enough for the service's HS256 check, never used to sign anything. */
  private static final String SECRET_PLACEHOLDER = "a-placeholder-for-the-secret-that-is-32-bytes-or-more";

  // ---- Kubernetes

  @Test
  void kustomizationListsEveryManifest() {
    Map<String, Object> kustomization = only(documents(KUBERNETES.resolve("kustomization.yaml")));
    List<String> listed = strings(kustomization.get("resources"));
    List<String> files;
    try (Stream<Path> all = Files.list(KUBERNETES)) {
      files = all.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
          .filter(n -> !n.equals("kustomization.yaml")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertEquals(files, listed.stream().sorted().toList());
  }

  @Test
  void theDeploymentRunsTwoOrMoreNonRootInstancesWithResourceRequestsAndTheBuiltImage() {
    Map<String, Object> deployment = kubernetes("Deployment", "tenantcast");
    Map<String, Object> spec = map(deployment.get("spec"));
    assertTrue(((Number) spec.get("replicas")).intValue() >= 2, "replicas");
    Map<String, Object> pod = podSpec(deployment);
    Map<String, Object> container = container(deployment);
    assertEquals("tenantcast:" + pomVersion(), container.get("image"), "the image of this version");
    Map<String, Object> podSecurity = map(pod.get("securityContext"));
    Map<String, Object> containerSecurity = map(container.get("securityContext"));
    assertEquals(true, podSecurity.get("runAsNonRoot"));
    assertTrue(((Number) podSecurity.get("runAsUser")).intValue() > 0, "a non-root uid");
    assertEquals(false, containerSecurity.get("allowPrivilegeEscalation"));
    Map<String, Object> requests = map(map(container.get("resources")).get("requests"));
    assertNotNull(requests.get("cpu"), "a CPU request");
    long heapBytes = maxHeapBytes();
    assertTrue(bytes(String.valueOf(requests.get("memory"))) > heapBytes,
        "the memory request exceeds conf/jvm.options' -Xmx of " + heapBytes + " bytes: " + requests);
    if (Boolean.TRUE.equals(containerSecurity.get("readOnlyRootFilesystem"))) {
      assertTrue(list(container.get("volumeMounts")).stream().map(DeploymentExamplesTest::map)
          .anyMatch(m -> "/tmp".equals(m.get("mountPath"))), "a writable /tmp (Netty's native library, Vert.x's"
          + " file cache) on a read-only root file system");
    }
  }

  @Test
  void theDeploymentsVariablesAreRealSettingsAndTheJwtSecretComesFromASecret() {
    Map<String, Object> container = container(kubernetes("Deployment", "tenantcast"));
    Map<String, String> env = new LinkedHashMap<>();
    for (Object item : list(container.get("env"))) {
      Map<String, Object> variable = map(item);
      String name = (String) variable.get("name");
      Map<String, Object> from = variable.containsKey("valueFrom") ? map(variable.get("valueFrom")) : Map.of();
      if (from.containsKey("secretKeyRef")) {
        env.put(name, SECRET_PLACEHOLDER);
      } else if (from.containsKey("fieldRef")) {
        assertEquals("metadata.name", map(from.get("fieldRef")).get("fieldPath"));
        env.put(name, "tenantcast-6d5f9c7b8-x2x9k"); // what a pod's name looks like
      } else {
        env.put(name, String.valueOf(Objects.requireNonNull(variable.get("value"), name + " has a value")));
      }
    }
    Map<String, Object> jwt = map(list(container.get("env")).stream().map(DeploymentExamplesTest::map)
        .filter(v -> "TENANTCAST_JWT_SECRET".equals(v.get("name"))).findFirst().orElseThrow().get("valueFrom"));
    assertNotNull(jwt.get("secretKeyRef"), "the JWT secret comes from a Secret, never a literal");
    TenantcastConfig config = configOf(env, "deploy/kubernetes/deployment.yaml");
    assertFalse(config.jwt().usesDevelopmentSecret());
    assertEquals("never", config.json().getJsonObject("redis").getString("embedded"), "no embedded Redis per pod");
    String redisHost = URI.create(config.redis().url()).getHost();
    kubernetes("Service", redisHost);
  }

  @Test
  void theContainerPortIsTheOneTheServiceListensOnAndTheServiceAndIngressReachIt() {
    Map<String, Object> deployment = kubernetes("Deployment", "tenantcast");
    Map<String, Object> container = container(deployment);
    TenantcastConfig config = configOf(kubernetesEnvironment(container), "deploy/kubernetes/deployment.yaml");
    Map<String, Object> port = map(only(list(container.get("ports"))));
    assertEquals(config.http().port(), ((Number) port.get("containerPort")).intValue(), "containerPort");
    Map<String, Object> service = map(kubernetes("Service", "tenantcast").get("spec"));
    assertEquals(map(map(deployment.get("spec")).get("selector")).get("matchLabels"), service.get("selector"));
    Map<String, Object> servicePort = map(only(list(service.get("ports"))));
    assertEquals(port.get("name"), servicePort.get("targetPort"), "the Service targets the container's port");
    Map<String, Object> rule = map(only(list(map(kubernetes("Ingress", "tenantcast").get("spec")).get("rules"))));
    Map<String, Object> path = map(only(list(map(rule.get("http")).get("paths"))));
    Map<String, Object> backend = map(map(path.get("backend")).get("service"));
    assertEquals("tenantcast", backend.get("name"));
    assertEquals(servicePort.get("name"), map(backend.get("port")).get("name"), "the Ingress targets the Service");
  }

  @Test
  void theProbesUseTheServicesRealHealthAndReadyEndpoints() throws Exception {
    Map<String, Object> container = container(kubernetes("Deployment", "tenantcast"));
    String portName = (String) map(only(list(container.get("ports")))).get("name");
    Map<String, String> paths = new TreeMap<>();
    for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
      if (container.containsKey(probe)) {
        Map<String, Object> get = map(map(container.get(probe)).get("httpGet"));
        assertEquals(portName, get.get("port"), probe + " port");
        paths.put(probe, (String) get.get("path"));
      }
    }
    assertEquals("/ready", paths.get("readinessProbe"), "readiness: HTTP up and the broker subscribed");
    assertEquals("/health", paths.get("livenessProbe"), "liveness: the process serves, whatever Redis does");
    // The paths answer as the probes expect, on a real instance; an unknown path would not.
    try (TestRedis redis = TestRedis.start(); TestService service = TestService.start(redis.url())) {
      for (String path : new TreeSet<>(paths.values())) {
        assertEquals(200, status(service.port(), path), path);
      }
      assertEquals(404, status(service.port(), "/no-such-probe"));
    }
  }

  @Test
  void theGracePeriodOutlastsPreStopAndTheLongestSigtermDrain() {
    Map<String, Object> deployment = kubernetes("Deployment", "tenantcast");
    Map<String, Object> pod = podSpec(deployment);
    Map<String, Object> container = container(deployment);
    TenantcastConfig config = configOf(kubernetesEnvironment(container), "deploy/kubernetes/deployment.yaml");
    long preStopMillis = 0;
    Map<String, Object> preStop = container.containsKey("lifecycle")
        ? map(map(container.get("lifecycle")).get("preStop")) : Map.of();
    if (preStop.containsKey("sleep")) {
      preStopMillis = ((Number) map(preStop.get("sleep")).get("seconds")).longValue() * 1000;
    } else if (preStop.containsKey("exec")) {
      List<String> command = strings(map(preStop.get("exec")).get("command"));
      assertEquals("sleep", command.get(0), "a preStop the test understands: " + command);
      preStopMillis = Long.parseLong(command.get(command.size() - 1)) * 1000;
    }
    long grace = ((Number) pod.get("terminationGracePeriodSeconds")).longValue() * 1000;
    long stop = Main.longestStopMillis(config.http());
    System.out.printf("[deploy] Kubernetes: preStop %d ms + longest SIGTERM stop %d ms (http.drainMillis %d) "
        + "< terminationGracePeriodSeconds %d ms%n", preStopMillis, stop, config.http().drainMillis(), grace);
    assertTrue(preStopMillis + stop < grace, "terminationGracePeriodSeconds must exceed preStop + drain + stop");
  }

  @Test
  void everyDisruptionLeavesAnInstanceAndMayTakeOne() {
    Map<String, Object> deployment = kubernetes("Deployment", "tenantcast");
    int replicas = ((Number) map(deployment.get("spec")).get("replicas")).intValue();
    Map<String, Object> pdb = map(kubernetes("PodDisruptionBudget", "tenantcast").get("spec"));
    assertEquals(map(map(deployment.get("spec")).get("selector")).get("matchLabels"),
        map(pdb.get("selector")).get("matchLabels"));
    int unavailable = pdb.containsKey("maxUnavailable") ? ((Number) pdb.get("maxUnavailable")).intValue()
        : replicas - ((Number) pdb.get("minAvailable")).intValue();
    assertTrue(unavailable >= 1 && unavailable < replicas, "a drain can evict one, never all: " + pdb);
  }

  @Test
  void theIngressCarriesReadmesSseAnnotations() throws IOException {
    Map<String, Object> annotations = map(map(kubernetes("Ingress", "tenantcast").get("metadata"))
        .get("annotations"));
    Matcher recommended = Pattern.compile("`(nginx\\.ingress\\.kubernetes\\.io/[a-z-]+): \"([^\"]*)\"`")
        .matcher(readme());
    int found = 0;
    while (recommended.find()) {
      found++;
      assertEquals(recommended.group(2), annotations.get(recommended.group(1)), recommended.group(1));
    }
    assertTrue(found >= 2, "README names the ingress-nginx annotations");
  }

  // ---- Docker Compose

  @Test
  void composeInstancesUseRealSettingsThisVersionsImageAndTheUpstreamsPort() throws IOException {
    Map<String, Object> services = map(only(documents(COMPOSE)).get("services"));
    List<String> instances = new ArrayList<>();
    for (Map.Entry<String, Object> entry : services.entrySet()) {
      Map<String, Object> service = map(entry.getValue());
      String image = String.valueOf(service.get("image"));
      if (!image.startsWith("tenantcast:")) {
        continue;
      }
      instances.add(entry.getKey());
      assertEquals("tenantcast:" + pomVersion(), image, entry.getKey());
      Map<String, String> env = new LinkedHashMap<>();
      map(service.get("environment")).forEach((name, value) -> env.put(name,
          String.valueOf(value).startsWith("${") ? SECRET_PLACEHOLDER : String.valueOf(value)));
      assertTrue(String.valueOf(map(service.get("environment")).get("TENANTCAST_JWT_SECRET")).startsWith("${"),
          "the JWT secret comes from the operator's environment");
      TenantcastConfig config = configOf(env, "deploy/compose/compose.yaml, " + entry.getKey());
      assertTrue(services.containsKey(URI.create(config.redis().url()).getHost()), "Redis is a service of the file");
      assertTrue(duration(String.valueOf(service.get("stop_grace_period"))) > Main.longestStopMillis(config.http()),
          "stop_grace_period outlasts the SIGTERM drain");
      assertTrue(Files.readString(NGINX_CONF).contains("server " + entry.getKey() + ":" + config.http().port() + ";"),
          "nginx.conf's upstream names " + entry.getKey() + " on its port " + config.http().port());
    }
    assertTrue(instances.size() >= 2, "two instances: " + instances);
    Matcher upstream = Pattern.compile("server ([a-z0-9-]+):\\d+;").matcher(Files.readString(NGINX_CONF));
    while (upstream.find()) {
      assertTrue(instances.contains(upstream.group(1)), "an upstream server that compose starts: " + upstream.group());
    }
    Map<String, Object> nginx = map(services.get("nginx"));
    assertTrue(strings(nginx.get("volumes")).contains("./nginx.conf:/etc/nginx/nginx.conf:ro"), "nginx runs the file");
  }

  @Test
  void nginxConfsSseBlockIsReadmesRecommendedOne() throws IOException {
    String readme = readme();
    int fence = readme.indexOf("```nginx");
    assertTrue(fence >= 0, "README shows the nginx settings");
    String block = readme.substring(readme.indexOf('\n', fence) + 1, readme.indexOf("```", fence + 3));
    assertEquals(lines(block), lines(NginxProxyTest.sseLocation(Files.readString(NGINX_CONF))),
        "README's block and deploy/compose/nginx.conf's location /api/sse/ say the same, line for line");
    assertTrue(readme.contains("deploy/compose/nginx.conf"), "README points to the file");
  }

  // ---- helpers

  private static List<String> lines(String text) {
    return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
  }

  /** The configuration the service would run with under these variables, built by its own loader. */
  private static TenantcastConfig configOf(Map<String, String> env, String where) {
    env.keySet().forEach(name -> assertTrue(name.startsWith(ConfigLoader.PREFIX), where + ": " + name));
    try {
      return TenantcastConfig.from(ConfigLoader.load(Path.of(""), env));
    } catch (ConfigException e) {
      return fail(where + ": " + e.getMessage());
    }
  }

  private static Map<String, String> kubernetesEnvironment(Map<String, Object> container) {
    Map<String, String> env = new LinkedHashMap<>();
    for (Object item : list(container.get("env"))) {
      Map<String, Object> variable = map(item);
      env.put((String) variable.get("name"), variable.containsKey("value") ? String.valueOf(variable.get("value"))
          : variable.get("name").equals("TENANTCAST_JWT_SECRET") ? SECRET_PLACEHOLDER : "from-the-pod");
    }
    return env;
  }

  private static List<Map<String, Object>> documents(Path file) {
    try {
      Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
      List<Map<String, Object>> documents = new ArrayList<>();
      for (Object document : yaml.loadAll(Files.readString(file))) {
        if (document != null) {
          documents.add(map(document));
        }
      }
      return documents;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, Object> kubernetes(String kind, String name) {
    List<Map<String, Object>> found = new ArrayList<>();
    try (Stream<Path> files = Files.list(KUBERNETES)) {
      files.filter(p -> p.toString().endsWith(".yaml")).sorted().forEach(file -> documents(file).stream()
          .filter(d -> kind.equals(d.get("kind")) && name.equals(map(d.get("metadata")).get("name")))
          .forEach(found::add));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertEquals(1, found.size(), "one " + kind + " " + name + " in " + KUBERNETES);
    return found.get(0);
  }

  private static Map<String, Object> podSpec(Map<String, Object> deployment) {
    return map(map(map(deployment.get("spec")).get("template")).get("spec"));
  }

  private static Map<String, Object> container(Map<String, Object> deployment) {
    return list(podSpec(deployment).get("containers")).stream().map(DeploymentExamplesTest::map)
        .filter(c -> "tenantcast".equals(c.get("name"))).findFirst().orElseThrow();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    assertTrue(value instanceof Map, "a mapping: " + value);
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object value) {
    assertTrue(value instanceof List, "a list: " + value);
    return (List<Object>) value;
  }

  private static List<String> strings(Object value) {
    return list(value).stream().map(String::valueOf).toList();
  }

  private static <T> T only(List<T> items) {
    assertEquals(1, items.size(), "exactly one: " + items);
    return items.get(0);
  }

  private static String readme() throws IOException {
    return Files.readString(Path.of("README.md"));
  }

  private static String pomVersion() {
    try {
      Matcher version = Pattern.compile("</artifactId>\\s*<version>([^<]+)</version>")
          .matcher(Files.readString(Path.of("pom.xml")));
      assertTrue(version.find(), "pom.xml's version");
      return version.group(1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long maxHeapBytes() {
    try {
      return Files.readAllLines(Path.of("conf/jvm.options")).stream().filter(l -> l.startsWith("-Xmx"))
          .map(l -> bytes(l.substring(4))).findFirst().orElseThrow();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Kubernetes quantities (768Mi, 1Gi) and JVM sizes (512m, 1g) in bytes. */
  private static long bytes(String quantity) {
    Matcher m = Pattern.compile("(\\d+)([KMGkmg]i?)?").matcher(quantity.strip());
    assertTrue(m.matches(), "a size: " + quantity);
    long number = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "" : m.group(2).substring(0, 1).toUpperCase();
    return switch (unit) {
      case "K" -> number << 10;
      case "M" -> number << 20;
      case "G" -> number << 30;
      default -> number;
    };
  }

  /** A Compose duration (30s, 1m30s, 1500ms) in milliseconds. */
  private static long duration(String text) {
    Matcher part = Pattern.compile("(\\d+)(ms|h|m|s)").matcher(text);
    long millis = 0;
    int covered = 0;
    while (part.find()) {
      long n = Long.parseLong(part.group(1));
      millis += switch (part.group(2)) {
        case "h" -> n * 3_600_000;
        case "m" -> n * 60_000;
        case "s" -> n * 1000;
        default -> n;
      };
      covered += part.group().length();
    }
    assertEquals(text.length(), covered, "a duration: " + text);
    return millis;
  }

  private static int status(int port, String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
