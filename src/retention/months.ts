/**
 * Calendar months (UTC) as message-id ranges. Message ids are UUIDv7: the
 * first 48 bits are the Unix time in milliseconds, and PostgreSQL orders
 * uuids bytewise, so the ids made in a month are exactly the uuids from
 * `monthStartId(month)` (inclusive) to `monthStartId(next month)`
 * (exclusive). Monthly partitions of messages, message_events and
 * message_parts use these bounds.
 */
export interface Month {
  readonly year: number;
  /** 1-12. */
  readonly month: number;
}

export function monthOf(date: Date): Month {
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1 };
}

export function addMonths(m: Month, delta: number): Month {
  const index = m.year * 12 + (m.month - 1) + delta;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

export function monthStart(m: Month): Date {
  return new Date(Date.UTC(m.year, m.month - 1, 1));
}

/** The smallest UUIDv7 of the month's first millisecond. */
export function monthStartId(m: Month): string {
  const hex = monthStart(m).getTime().toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

/** Suffix of a month's partitions: messages_p2026_11. */
export function partitionSuffix(m: Month): string {
  return `p${m.year}_${String(m.month).padStart(2, '0')}`;
}

export function parsePartitionSuffix(name: string): Month | undefined {
  const match = /_p(\d{4})_(\d{2})$/.exec(name);
  if (!match) return undefined;
  const month = Number(match[2]);
  return month >= 1 && month <= 12 ? { year: Number(match[1]), month } : undefined;
}

/** Months from `from` to `to`, both included. */
export function monthsBetween(from: Month, to: Month): Month[] {
  const out: Month[] = [];
  for (let m = from; m.year * 12 + m.month <= to.year * 12 + to.month; m = addMonths(m, 1)) out.push(m);
  return out;
}

/**
 * Whether every message of the month is older than the retention: the
 * month ended at least `retentionDays` before `now`. 0 days = keep forever.
 */
export function monthExpired(m: Month, retentionDays: number, now: Date): boolean {
  if (retentionDays <= 0) return false;
  return monthStart(addMonths(m, 1)).getTime() <= now.getTime() - retentionDays * 86_400_000;
}
