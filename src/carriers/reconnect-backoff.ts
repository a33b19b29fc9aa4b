/**
 * Reconnect delay after `attempt` consecutive failures (0-based):
 * exponential from initialMs, capped at maxMs, with equal jitter (half
 * fixed, half random) so a carrier's binds never reconnect in lockstep and
 * the delay is never near zero.
 */
export function reconnectDelayMs(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(0, attempt), 30));
  return ceiling / 2 + random() * (ceiling / 2);
}
