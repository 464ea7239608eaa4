/** How urgent an alert is: `critical` pages at once, `warning` goes to a digest, `info` to trends. */
export type Severity = 'critical' | 'warning' | 'info';

/** An alert's state: firing, or resolved (it fired and has stopped). */
export type AlertStatus = 'firing' | 'resolved';

/**
 * One alert instance: a rule firing on one series. Its identity is `fingerprint`, the hash of
 * its labels (Alertmanager's), so the same rule on the same series is the same alert again.
 */
export interface Alert {
  readonly fingerprint: string;
  /** The rule's name (the `alertname` label). */
  readonly name: string;
  readonly severity: Severity;
  readonly status: AlertStatus;
  /** `alertname`, `severity`, the series' `signal`, `agent` (and `version`, `model`, `tool`), and the rule's labels. */
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Wall time (ms) of the sample that made it fire. */
  readonly startsAt: number;
  /** Wall time (ms) of the sample that resolved it; absent while firing. */
  readonly endsAt?: number | undefined;
  /** The value that made it fire (or resolve). */
  readonly value: number;
}
