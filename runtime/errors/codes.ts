/**
 * Stable error codes. The code is the contract: callers branch on it, tests assert on it.
 * Never rename or reuse a code; add new ones at the end of their group.
 */
export const ErrorCode = {
  // --- options and configuration ---
  /** Options or configuration failed validation; `details.issues` lists each path and problem. */
  InvalidOptions: 'ERR_INVALID_OPTIONS',
  /** An alert rule names a detector preset that does not exist; `details` has its path and the known names. */
  UnknownDetector: 'ERR_UNKNOWN_DETECTOR',

  // --- messages ---
  /** Bytes that do not decode as MessagePack (or are refused before decoding). */
  MalformedMessage: 'ERR_MALFORMED_MESSAGE',
  /** A decoded message that fails the envelope schema or the receiver's payload schema. */
  InvalidMessage: 'ERR_INVALID_MESSAGE',
  /** Encoded message larger than the configured maximum; refused before decoding. */
  MessageTooLarge: 'ERR_MESSAGE_TOO_LARGE',
  /** A message type the receiving agent does not accept. */
  UnknownMessageType: 'ERR_UNKNOWN_MESSAGE_TYPE',

  // --- actors and the system ---
  /** No actor with that name is hosted (or no responder on the subject). */
  ActorNotFound: 'ERR_ACTOR_NOT_FOUND',
  /** An actor with that name already exists. */
  ActorExists: 'ERR_ACTOR_EXISTS',
  /** The actor stopped before it could process or answer the message. */
  ActorStopped: 'ERR_ACTOR_STOPPED',
  /** The actor failed (an XState error) before it could answer. */
  ActorFailed: 'ERR_ACTOR_FAILED',
  /** The actor's bounded mailbox was full; the message went to dead letters. */
  MailboxFull: 'ERR_MAILBOX_FULL',
  /** The actor's current state does not handle this message (Akka's "unhandled"). */
  Unhandled: 'ERR_UNHANDLED',
  /** The deadline passed before the operation completed. */
  Timeout: 'ERR_TIMEOUT',
  /** The operation was cancelled through its AbortSignal. */
  Aborted: 'ERR_ABORTED',
  /** The system or transport is closed or draining. */
  Closed: 'ERR_CLOSED',

  // --- connection security ---
  /** The NATS server refused the credentials (user/password, token, nkey, credentials file). */
  Auth: 'ERR_AUTH',
  /** The TLS handshake with the NATS server failed (unknown CA, bad certificate, TLS mismatch). */
  Tls: 'ERR_TLS',
  /** An envelope arrived on a namespace's subject but is addressed to another namespace. */
  ForeignNamespace: 'ERR_FOREIGN_NAMESPACE',
  /**
   * No NATS server could be reached: the connection was refused, the host does not resolve or is
   * unreachable, or the connect timed out; `details.networkCode` (`ECONNREFUSED`, `ENOTFOUND`, …)
   * when the platform gave one. Unlike ERR_AUTH and ERR_TLS, trying again later may succeed.
   */
  Connection: 'ERR_CONNECTION',

  // --- test support and infrastructure ---
  /** `nats-server` could not be found on PATH or at NATS_SERVER_BIN. */
  NatsServerMissing: 'ERR_NATS_SERVER_MISSING',
  /** `nats-server` did not start or did not report its port. */
  NatsServerStart: 'ERR_NATS_SERVER_START',

  // --- resilience (referenced by later layers) ---
  /** A circuit breaker is open and refused the call. */
  CircuitOpen: 'ERR_CIRCUIT_OPEN',
  /** A bulkhead's execution slots and queue were all taken; `details.maxConcurrent`, `details.maxQueue`. */
  BulkheadFull: 'ERR_BULKHEAD_FULL',
  /** A task spent more tokens, cost or steps than its budget allows; failure class `budget`. */
  BudgetExceeded: 'ERR_BUDGET_EXCEEDED',
  /** Every member of a fallback chain failed or was cooling down; `details.causes` lists each. */
  FallbackExhausted: 'ERR_FALLBACK_EXHAUSTED',
  /** A supervisor exceeded its restart intensity and gave up. */
  RestartIntensity: 'ERR_RESTART_INTENSITY',
  /** A checkpoint written by another machine version with no declared migration. */
  CheckpointVersion: 'ERR_CHECKPOINT_VERSION',
  // --- supervision ---
  /** A supervisor child id that does not exist. */
  ChildNotFound: 'ERR_CHILD_NOT_FOUND',
  /** A child id already in use, or an operation the child's state or the strategy forbids. */
  ChildConflict: 'ERR_CHILD_CONFLICT',
  /** No escalation with that id. */
  EscalationNotFound: 'ERR_ESCALATION_NOT_FOUND',
  /** The escalation is already resolved (by a person or its deadline). */
  EscalationClosed: 'ERR_ESCALATION_CLOSED',
  /** A decision that is not valid for the escalation. */
  InvalidDecision: 'ERR_INVALID_DECISION',
  /** An agent name a policy refers to is not in the agent registry. */
  UnknownAgent: 'ERR_UNKNOWN_AGENT',
  /** No incident with that id in the incident store. */
  IncidentNotFound: 'ERR_INCIDENT_NOT_FOUND',
  /** An incident update would put a timestamp before an earlier one (`details.path`, `details.before`). */
  IncidentTimestamp: 'ERR_INCIDENT_TIMESTAMP',
  /** An incident status change that is not forward along open → mitigated → resolved → reviewed. */
  IncidentTransition: 'ERR_INCIDENT_TRANSITION',

  // --- persistence ---
  /** A checkpoint or journal write lost a compare-and-set: another writer got there first (fencing). */
  PersistenceConflict: 'ERR_PERSISTENCE_CONFLICT',
  /** Stored data that fails its checksum, does not decode, or fails its schema. */
  CorruptData: 'ERR_CORRUPT_DATA',
  /** A value over what the store accepts (e.g. the server's max payload). */
  ValueTooLarge: 'ERR_VALUE_TOO_LARGE',
  /** The store could not be reached or failed. */
  StoreUnavailable: 'ERR_STORE_UNAVAILABLE',
  /** A message whose id the actor has already processed (redelivered); not processed again. */
  DuplicateMessage: 'ERR_DUPLICATE_MESSAGE',
  /** An effect started before a crash and has no recorded outcome; it is neither idempotent nor verifiable. */
  UncertainEffect: 'ERR_UNCERTAIN_EFFECT',
  /** A model endpoint answered with an HTTP error status; see `details.status`, `failureClass`. */
  ModelHttp: 'ERR_MODEL_HTTP',
  /** The connection to a model endpoint failed or broke (refused, reset, truncated stream). */
  ModelConnection: 'ERR_MODEL_CONNECTION',
  /** A model's answer could not be used: a malformed body, tool arguments or structured output. */
  ModelOutput: 'ERR_MODEL_OUTPUT',
  /** Output still failed its guard (schema or validators) after every repair; `details.attempts`. */
  InvalidOutput: 'ERR_INVALID_OUTPUT',
  /** Input screening blocked content (prompt injection); `details.findings`, `details.score`. */
  InputBlocked: 'ERR_INPUT_BLOCKED',

  // --- cluster ---
  /** A live node already heartbeats under this node id. */
  NodeExists: 'ERR_NODE_EXISTS',
  // --- telemetry ---
  /** The `/metrics` endpoint's host:port is taken by another listener; `details.host`, `details.port`. */
  MetricsPortInUse: 'ERR_METRICS_PORT_IN_USE',
  // --- durable mailboxes ---
  /** A reliably sent message failed its actor on its last allowed delivery (dead-lettered). */
  PoisonMessage: 'ERR_POISON_MESSAGE',
  /** A reliably sent message used up its deliveries without being processed (dead-lettered). */
  DeliveryExhausted: 'ERR_DELIVERY_EXHAUSTED',
  // --- rollout ---
  /** A rollout names a version of the agent that is not deployed; `details.path`, `details.version`. */
  UnknownVersion: 'ERR_UNKNOWN_VERSION',
  /** A rollout of an agent that already has an active rollout; `details.path`, `details.active`. */
  RolloutConflict: 'ERR_ROLLOUT_CONFLICT',
  /** A rollout candidate cannot migrate checkpoints written by the stable version; `details.path`. */
  MigrationMissing: 'ERR_MIGRATION_MISSING',
  /** A shadow run called a tool with no recorded outcome and no declared `shadow` stub; refused. */
  ShadowEffect: 'ERR_SHADOW_EFFECT',
  /** No rollout with this id (or none active for the agent). */
  RolloutNotFound: 'ERR_ROLLOUT_NOT_FOUND',

  // --- operator's console (HTTP API) ---
  /** A console request without a bearer token, or with one no configured token matches. */
  Unauthorized: 'ERR_UNAUTHORIZED',
  /** A console request whose token's role may not do that (a viewer posting). */
  Forbidden: 'ERR_FORBIDDEN',
  /** A console request body over the server's `maxBodyBytes`. */
  BodyTooLarge: 'ERR_BODY_TOO_LARGE',
  /** A journal page that starts past the actor's last entry; `details.lastSeq`. */
  JournalRange: 'ERR_JOURNAL_RANGE',
  /** A console path or method the API does not serve. */
  RouteNotFound: 'ERR_ROUTE_NOT_FOUND',
  /** The console's host:port is taken by another listener; `details.host`, `details.port`. */
  ConsolePortInUse: 'ERR_CONSOLE_PORT_IN_USE',
  /**
   * A journal shows an agent breaking a safety property `checkAgent` proves before deploy (a
   * tool needing approval ran without one, a non-idempotent tool ran twice): the error of the
   * escalation the JournalWatcher opens, `details` naming the property, tool and journal seq.
   */
  SafetyViolation: 'ERR_SAFETY_VIOLATION',

  /** An error crossed the wire with a code this version does not know. */
  Unknown: 'ERR_UNKNOWN',
} as const;

/** One of the stable `ERR_*` codes of {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const knownCodes: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** True when `code` is one of this version's stable codes. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && knownCodes.has(code);
}
