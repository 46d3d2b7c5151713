package dev.tenantcast.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local identity provider, as Keycloak or Auth0 would be: real key pairs (RSA, EC P-256, Ed25519 from the JDK), a
 * JWKS endpoint on a real Vert.x HTTP server on a free port, and tokens signed with the JDK's own signatures (so the
 * service's verification is checked against an independent signer). Counts the fetches of its key set and can go
 * down.
 */
public final class IdentityProvider implements AutoCloseable {
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

  private final HttpServer server;
  private final AtomicInteger fetches = new AtomicInteger();
  private volatile long lastFetchNanos = System.nanoTime();
  private volatile int status = 200;
  private volatile Buffer body = Buffer.buffer("{\"keys\":[]}");
  private volatile boolean chunked;

  private IdentityProvider(HttpServer server) {
    this.server = server;
  }

  /** One signing key of the provider. */
  public record SigningKey(String algorithm, String kid, KeyPair pair) {
    /** A fresh key pair for RS256, ES256 or EdDSA (Ed25519), with a random key id. */
    public static SigningKey generate(String algorithm) {
      try {
        KeyPairGenerator generator;
        switch (algorithm) {
          case "RS256" -> {
            generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
          }
          case "ES256" -> {
            generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
          }
          case "EdDSA" -> generator = KeyPairGenerator.getInstance("Ed25519");
          default -> throw new IllegalArgumentException(algorithm);
        }
        return new SigningKey(algorithm, algorithm + "-" + UUID.randomUUID(), generator.generateKeyPair());
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }

    /** The same key pair under another key id, as a forger who names a kid would sign. */
    public SigningKey withKid(String otherKid) {
      return new SigningKey(algorithm, otherKid, pair);
    }

    /** The public key as a JWK (RFC 7517/8037), as a provider publishes it. */
    public JsonObject jwk() {
      JsonObject jwk = new JsonObject().put("kid", kid).put("use", "sig").put("alg", algorithm);
      switch (algorithm) {
        case "RS256" -> {
          RSAPublicKey rsa = (RSAPublicKey) pair.getPublic();
          jwk.put("kty", "RSA").put("n", base64(unsigned(rsa.getModulus(), 0)))
              .put("e", base64(unsigned(rsa.getPublicExponent(), 0)));
        }
        case "ES256" -> {
          ECPublicKey ec = (ECPublicKey) pair.getPublic();
          jwk.put("kty", "EC").put("crv", "P-256").put("x", base64(unsigned(ec.getW().getAffineX(), 32)))
              .put("y", base64(unsigned(ec.getW().getAffineY(), 32)));
        }
        default -> {
          // an Ed25519 X.509 key is a 12-byte header and the 32 bytes of the key
          byte[] encoded = pair.getPublic().getEncoded();
          jwk.put("kty", "OKP").put("crv", "Ed25519")
              .put("x", base64(Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length)));
        }
      }
      return jwk;
    }

    /** A compact JWS of the claims, with {@code alg} and {@code kid} in its header. */
    public String sign(JsonObject claims) {
      String input = base64(new JsonObject().put("alg", algorithm).put("typ", "JWT").put("kid", kid).encode()
          .getBytes(StandardCharsets.UTF_8)) + "." + base64(claims.encode().getBytes(StandardCharsets.UTF_8));
      try {
        Signature signature = Signature.getInstance(switch (algorithm) {
          case "RS256" -> "SHA256withRSA";
          // JWS wants r and s side by side (IEEE P1363), not the DER sequence the JDK writes by default
          case "ES256" -> "SHA256withECDSAinP1363Format";
          default -> "Ed25519";
        });
        signature.initSign(pair.getPrivate());
        signature.update(input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + base64(signature.sign());
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }

    /** A token of the tenant, valid for an hour. */
    public String token(String tenant) {
      return sign(Tokens.claims(tenant).put("exp", Instant.now().plusSeconds(3600).getEpochSecond()));
    }
  }

  /** Starts the provider's HTTP server on a free loopback port, with an empty key set. */
  public static IdentityProvider start(Vertx vertx) {
    IdentityProvider[] provider = new IdentityProvider[1];
    HttpServer server = vertx.createHttpServer().requestHandler(request -> {
      if (!request.path().equals("/jwks.json")) {
        request.response().setStatusCode(404).end();
        return;
      }
      IdentityProvider self = provider[0];
      self.fetches.incrementAndGet();
      self.lastFetchNanos = System.nanoTime();
      var response = request.response().setStatusCode(self.status).putHeader("Content-Type", "application/json");
      if (self.status != 200) {
        response.end("{\"error\":\"down\"}");
      } else if (self.chunked) {
        // no Content-Length: the size is known only while reading
        Buffer all = self.body;
        response.setChunked(true);
        for (int at = 0; at < all.length(); at += 16_384) {
          response.write(all.slice(at, Math.min(all.length(), at + 16_384)));
        }
        response.end();
      } else {
        response.end(self.body);
      }
    });
    provider[0] = new IdentityProvider(server);
    try {
      server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the identity provider did not start", e);
    }
    return provider[0];
  }

  public String jwksUrl() {
    return "http://127.0.0.1:" + server.actualPort() + "/jwks.json";
  }

  /** Serves a key set of these keys from now on (and is up again). */
  public void publish(SigningKey... keys) {
    publish(Arrays.stream(keys).map(SigningKey::jwk).toArray(JsonObject[]::new));
  }

  /** Serves a key set of these JWKs, as given, from now on. */
  public void publish(JsonObject... jwks) {
    publish(new JsonObject().put("keys", new JsonArray(Arrays.asList((Object[]) jwks))).toBuffer());
  }

  /** Serves this answer, whatever it is, from now on, with a Content-Length or in chunks without one. */
  public void publish(Buffer answer, boolean inChunks) {
    body = answer;
    chunked = inChunks;
    status = 200;
  }

  /** Serves this answer, whatever it is, from now on. */
  public void publish(Buffer answer) {
    publish(answer, false);
  }

  /** Answers every fetch with this status (e.g. 503) until the next {@link #publish}. */
  public void down(int failureStatus) {
    status = failureStatus;
  }

  /** How many times the key set was requested. */
  public int fetches() {
    return fetches.get();
  }

  /** How long ago the key set was last requested (or the provider started). */
  public long millisSinceLastFetch() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastFetchNanos);
  }

  @Override
  public void close() {
    try {
      server.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the identity provider did not stop", e);
    }
  }

  private static String base64(byte[] bytes) {
    return BASE64URL.encodeToString(bytes);
  }

  /** A big integer's magnitude, big-endian, without a sign byte, left-padded to {@code length} when given. */
  private static byte[] unsigned(BigInteger value, int length) {
    byte[] bytes = value.toByteArray();
    if (bytes.length > 1 && bytes[0] == 0) {
      bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
    }
    if (length > bytes.length) {
      byte[] padded = new byte[length];
      System.arraycopy(bytes, 0, padded, length - bytes.length, bytes.length);
      return padded;
    }
    return bytes;
  }
}
