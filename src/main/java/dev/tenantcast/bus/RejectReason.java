package dev.tenantcast.bus;

/** Why a broker did not deliver a message it received: counted by reason, never silently dropped. */
public enum RejectReason {
  UNKNOWN_CHANNEL,
  INVALID_TENANT,
  NOT_A_JSON_OBJECT,
  TOO_DEEP,
  TOO_LARGE,
  INVALID_ID
}
