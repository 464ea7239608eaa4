/** Header access as `Headers` offers it. */
interface HeaderSource {
  get(name: string): string | null;
}

/** delta-seconds (RFC 9110 §10.2.3); decimals are tolerated, as some gateways send them. */
const SECONDS = /^\d+(?:\.\d+)?$/;
/**
 * HTTP-dates (IMF-fixdate and the two obsolete forms) open with a day name. `Date.parse` alone
 * is too lenient: it reads `-5` as a year.
 */
const HTTP_DATE = /^[A-Za-z]{3}/;

/**
 * The delay, in ms, that a server asks for before the next attempt; `undefined` when it asks for
 * none (or says something unparsable).
 *
 * `retry-after-ms` (OpenAI, Azure) wins, as it is the more precise; then `Retry-After`, either
 * delta-seconds or an HTTP-date. A date is measured against `nowMs` (the clock's wall time) and
 * one in the past means "now" (0).
 */
export function parseRetryAfter(headers: HeaderSource, nowMs: number): number | undefined {
  const ms = headers.get('retry-after-ms')?.trim();
  if (ms !== undefined && SECONDS.test(ms)) return Math.ceil(Number(ms));
  const value = headers.get('retry-after')?.trim();
  if (value === undefined || value === '') return undefined;
  if (SECONDS.test(value)) return Math.ceil(Number(value) * 1000);
  const at = HTTP_DATE.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
