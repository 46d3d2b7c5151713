package dev.tenantcast.stats;

/** Why a message from Redis was not delivered. */
public enum RejectReason {
  UNKNOWN_CHANNEL,
  INVALID_TENANT,
  NOT_A_JSON_OBJECT,
  TOO_LARGE,
  INVALID_ID
}
