/**
 * The message of a thrown value: an Error's `message`, anything else as a string (a thrown
 * string, a rejected number). For text meant for people; codes and causes travel separately.
 */
export function messageOf(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}
