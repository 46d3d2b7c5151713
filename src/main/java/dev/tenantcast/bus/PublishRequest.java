package dev.tenantcast.bus;

import io.vertx.core.json.JsonObject;

import java.util.regex.Pattern;

/**
 * What a broker receives at {@link Addresses#PUBLISH} (from other verticles and {@code POST /api/events}): one event to
 * publish so that every instance delivers it, as {@code {"tenant": "...", "type": "...", "data": {...}}} (no tenant
 * for SYSTEM_ALERT and other types of everyone). The broker answers {@link Published}, or fails with a
 * {@link PublishFailure}.
 *
 * @param idempotencyKey a retry with the same key (of the same tenant, within the broker's window) publishes nothing
 *                       and answers the first id; null: none
 * @param deadlineMillis when the caller stops waiting (epoch ms), so that a broker that gets to the event later does
 *                       not publish it behind the caller's back; 0: none
 */
public record PublishRequest(TenantId tenant, MessageType type, JsonObject data, String idempotencyKey,
                             long deadlineMillis) {
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");

  public PublishRequest(TenantId tenant, MessageType type, JsonObject data) {
    this(tenant, type, data, null, 0);
  }

  /**
   * Parses and validates against the declared types; the exception message is fit to show to the caller.
   */
  public static PublishRequest from(JsonObject json, EventTypes types) {
    if (json == null) {
      throw new IllegalArgumentException("the body must be a JSON object");
    }
    MessageType type = json.getValue("type") instanceof String name ? types.content(name) : null;
    if (type == null) {
      throw new IllegalArgumentException("type must be one of " + types.describe());
    }
    if (!(json.getValue("data") instanceof JsonObject data)) {
      throw new IllegalArgumentException("data must be a JSON object");
    }
    EventJson.check(data, 2);
    Object key = json.getValue("idempotencyKey");
    if (key != null && !(key instanceof String k && KEY.matcher(k).matches())) {
      throw new IllegalArgumentException("an idempotency key is 1-128 characters of A-Z a-z 0-9 _ . : -");
    }
    long deadline = json.getValue("deadline") instanceof Number n ? n.longValue() : 0;
    Object tenant = json.getValue("tenant");
    if (!type.perTenant()) {
      if (tenant != null) {
        throw new IllegalArgumentException(type + " goes to every tenant and takes no tenant");
      }
      return new PublishRequest(null, type, data, (String) key, deadline);
    }
    if (!(tenant instanceof String s) || !TenantId.isValid(s)) {
      throw new IllegalArgumentException(TenantId.RULE);
    }
    return new PublishRequest(new TenantId(s), type, data, (String) key, deadline);
  }

  /** The same request, to be answered by {@code deadlineMillis}. */
  public PublishRequest withDeadline(long deadlineMillis) {
    return new PublishRequest(tenant, type, data, idempotencyKey, deadlineMillis);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("type", type.name()).put("data", data);
    if (tenant != null) {
      json.put("tenant", tenant.value());
    }
    if (idempotencyKey != null) {
      json.put("idempotencyKey", idempotencyKey);
    }
    if (deadlineMillis > 0) {
      json.put("deadline", deadlineMillis);
    }
    return json;
  }
}
