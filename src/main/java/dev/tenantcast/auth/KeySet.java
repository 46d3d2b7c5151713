package dev.tenantcast.auth;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The signing keys of one JWKS answer that tokens may be verified with: RS256 (RSA), ES256 (EC P-256) and EdDSA
 * (Ed25519) keys for signatures. Anything else in the set (encryption keys, HMAC secrets, other curves or algorithms)
 * is skipped, so a token can only name an algorithm that its key was published for.
 *
 * @param jwks    the usable keys, each with its {@code alg} set
 * @param kids    their key ids
 * @param skipped how many keys of the answer were not usable
 */
public record KeySet(List<JsonObject> jwks, Set<String> kids, int skipped) {
  /** The algorithms accepted from a JWKS, by key type. */
  public static final List<String> ALGORITHMS = List.of("RS256", "ES256", "EdDSA");

  public KeySet {
    jwks = List.copyOf(jwks);
    kids = Set.copyOf(kids);
  }

  /** Whether a token's {@code kid} names one of these keys; a token without one is tried against them all. */
  public boolean knows(String kid) {
    return kid == null || kids.contains(kid);
  }

  /**
   * Reads a JWKS document.
   *
   * @throws IllegalArgumentException when it is not a JWKS or holds no usable key: the message says which
   */
  public static KeySet parse(Buffer body) {
    JsonObject json;
    try {
      json = new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      throw new IllegalArgumentException("the answer is not a JSON object");
    }
    if (!(json.getValue("keys") instanceof JsonArray keys)) {
      throw new IllegalArgumentException("the answer has no \"keys\" array (not a JWKS)");
    }
    List<JsonObject> usable = new ArrayList<>();
    Set<String> kids = new LinkedHashSet<>();
    for (Object key : keys) {
      String algorithm = key instanceof JsonObject jwk ? algorithmOf(jwk) : null;
      if (algorithm != null) {
        JsonObject jwk = ((JsonObject) key).copy().put("alg", algorithm);
        usable.add(jwk);
        if (jwk.getValue("kid") instanceof String kid) {
          kids.add(kid);
        }
      }
    }
    if (usable.isEmpty()) {
      throw new IllegalArgumentException("the JWKS holds no usable signing key (" + String.join(", ", ALGORITHMS)
          + ") among its " + keys.size());
    }
    return new KeySet(usable, kids, keys.size() - usable.size());
  }

  /**
   * The algorithm a key is for, from its type and curve; null when it is not a signing key we accept, or when its
   * own {@code alg} says something else (a key published for RS512 does not verify RS256 tokens).
   */
  static String algorithmOf(JsonObject jwk) {
    Object use = jwk.getValue("use");
    if (use != null && !"sig".equals(use)) {
      return null;
    }
    Object type = jwk.getValue("kty");
    Object curve = jwk.getValue("crv");
    String algorithm;
    if ("RSA".equals(type)) {
      algorithm = "RS256";
    } else if ("EC".equals(type) && "P-256".equals(curve)) {
      algorithm = "ES256";
    } else if ("OKP".equals(type) && "Ed25519".equals(curve)) {
      algorithm = "EdDSA";
    } else {
      return null;
    }
    Object declared = jwk.getValue("alg");
    return declared == null || algorithm.equals(declared) ? algorithm : null;
  }
}
