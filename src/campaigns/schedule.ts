/**
 * The scheduleAt rule of single messages and batches (docs/campaigns.md):
 * an ISO 8601 instant with an offset, at most MAX_SCHEDULE_AHEAD_MS ahead;
 * more than PAST_TOLERANCE_MS in the past is an error; anything not in the
 * future means "send now" (null). Pure.
 */
import { GatewayError } from '../core/errors';

/** 35 days. */
export const MAX_SCHEDULE_AHEAD_MS = 35 * 86_400_000;
/** A scheduleAt this far in the past still means "now" (clock skew, slow clients). */
export const PAST_TOLERANCE_MS = 60_000;

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** The release time, or null for "now"; throws INVALID_REQUEST. */
export function resolveScheduleAt(raw: string | null | undefined, now: Date): Date | null {
  if (raw === undefined || raw === null) return null;
  const at = ISO_WITH_OFFSET.test(raw) ? new Date(raw) : new Date(NaN);
  if (Number.isNaN(at.getTime())) {
    throw new GatewayError('INVALID_REQUEST', 'scheduleAt must be an ISO 8601 instant with an offset (2026-12-01T09:00:00Z)', { scheduleAt: raw });
  }
  const ahead = at.getTime() - now.getTime();
  if (ahead > MAX_SCHEDULE_AHEAD_MS) {
    throw new GatewayError('INVALID_REQUEST', 'scheduleAt must be at most 35 days ahead', { scheduleAt: raw, maxDays: 35 });
  }
  if (ahead < -PAST_TOLERANCE_MS) throw new GatewayError('INVALID_REQUEST', 'scheduleAt is in the past', { scheduleAt: raw });
  return ahead > 0 ? at : null;
}

/** When validity counts from: the release time when scheduled, else now. */
export function validUntilOf(scheduleAt: Date | null, now: Date, validitySeconds: number): Date {
  return new Date((scheduleAt ?? now).getTime() + validitySeconds * 1000);
}
