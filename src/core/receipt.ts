/**
 * Delivery receipt text (SMPP 3.4 Appendix B, the de-facto format every
 * SMSC copies) and the receipt vocabulary: stat words and SMPP
 * message_state numbers. Pure; imports nothing of ours.
 *
 * Formatting is exact; parsing is tolerant of what carriers really send:
 * keys in any case, `submit_date` / `done_date` for the dated keys, fields
 * missing or in another order, ids in hex or decimal (the raw id string is
 * returned; receiptIdCandidates() gives the forms a lookup should try).
 */

/** SMPP message_state values (§5.2.28). */
export const MESSAGE_STATE = {
  SCHEDULED: 0,
  ENROUTE: 1,
  DELIVERED: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIVERABLE: 5,
  ACCEPTED: 6,
  UNKNOWN: 7,
  REJECTED: 8,
} as const;

export type MessageStateName = keyof typeof MESSAGE_STATE;

/** Receipt stat words and the message_state each stands for. */
export const STAT_WORDS = {
  DELIVRD: MESSAGE_STATE.DELIVERED,
  UNDELIV: MESSAGE_STATE.UNDELIVERABLE,
  EXPIRED: MESSAGE_STATE.EXPIRED,
  REJECTD: MESSAGE_STATE.REJECTED,
  DELETED: MESSAGE_STATE.DELETED,
  UNKNOWN: MESSAGE_STATE.UNKNOWN,
  ACCEPTD: MESSAGE_STATE.ACCEPTED,
  ENROUTE: MESSAGE_STATE.ENROUTE,
} as const;

export type StatWord = keyof typeof STAT_WORDS;

const STAT_BY_STATE: ReadonlyMap<number, StatWord> = new Map(
  (Object.entries(STAT_WORDS) as Array<[StatWord, number]>).map(([word, state]) => [state, word]),
);

export function isStatWord(value: string): value is StatWord {
  return Object.hasOwn(STAT_WORDS, value);
}

/** The stat word for a message_state number; undefined for SCHEDULED or unknown numbers. */
export function statWordOfState(state: number): StatWord | undefined {
  return STAT_BY_STATE.get(state);
}

export interface ReceiptFields {
  readonly id: string;
  /** Parts submitted / delivered; printed as 3 digits (default 1). */
  readonly sub?: number;
  readonly dlvrd?: number;
  readonly submitDate: Date;
  readonly doneDate: Date;
  readonly stat: StatWord;
  /** Network error code, 3 characters (default '000'). */
  readonly err?: string;
  /** The message text; only its first 20 characters are printed (default ''). */
  readonly text?: string;
}

const TEXT_CHARS = 20;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** YYMMDDhhmm in UTC. */
export function formatReceiptDate(date: Date): string {
  return (
    pad(date.getUTCFullYear() % 100, 2) +
    pad(date.getUTCMonth() + 1, 2) +
    pad(date.getUTCDate(), 2) +
    pad(date.getUTCHours(), 2) +
    pad(date.getUTCMinutes(), 2)
  );
}

/** `id:<id> sub:001 dlvrd:001 submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DELIVRD err:000 text:<20 chars>` */
export function formatReceiptText(r: ReceiptFields): string {
  const sub = pad(r.sub ?? 1, 3);
  const dlvrd = pad(r.dlvrd ?? (r.stat === 'DELIVRD' ? 1 : 0), 3);
  const err = (r.err ?? '000').padStart(3, '0');
  const text = Array.from(r.text ?? '').slice(0, TEXT_CHARS).join('');
  return `id:${r.id} sub:${sub} dlvrd:${dlvrd} submit date:${formatReceiptDate(r.submitDate)} done date:${formatReceiptDate(r.doneDate)} stat:${r.stat} err:${err} text:${text}`;
}

export interface ParsedReceipt {
  /** The id exactly as the carrier wrote it. */
  readonly id?: string;
  readonly sub?: string;
  readonly dlvrd?: string;
  /** YYMMDDhhmm[ss] as written; see parseReceiptDate. */
  readonly submitDate?: string;
  readonly doneDate?: string;
  /** Upper-cased; a word outside STAT_WORDS is kept as written (see statWord). */
  readonly stat?: string;
  /** The stat when it is one of STAT_WORDS. */
  readonly statWord?: StatWord;
  readonly err?: string;
  readonly text?: string;
}

const KEY_ALIASES: Readonly<Record<string, keyof ParsedReceipt>> = {
  id: 'id',
  sub: 'sub',
  dlvrd: 'dlvrd',
  'submit date': 'submitDate',
  submit_date: 'submitDate',
  submitdate: 'submitDate',
  'done date': 'doneDate',
  done_date: 'doneDate',
  donedate: 'doneDate',
  stat: 'stat',
  err: 'err',
  text: 'text',
};

/** A key, then ':' (optionally spaced); `text:` swallows the rest of the line. */
const KEY_PATTERN = /(?:^|\s)(id|sub|dlvrd|submit[ _]?date|done[ _]?date|stat|err|text)\s*:/gi;

/**
 * Parses receipt text; returns undefined when it has no `id:` and no
 * `stat:` (then it is not a receipt, e.g. an MO message).
 */
export function parseReceiptText(text: string): ParsedReceipt | undefined {
  const found: Array<{ key: keyof ParsedReceipt; start: number; valueStart: number }> = [];
  for (const m of text.matchAll(KEY_PATTERN)) {
    const key = KEY_ALIASES[(m[1] ?? '').toLowerCase().replace(/\s+/, ' ')];
    if (!key) continue;
    found.push({ key, start: m.index ?? 0, valueStart: (m.index ?? 0) + m[0].length });
    if (key === 'text') break;
  }
  const out: Record<string, string> = {};
  found.forEach((f, i) => {
    const end = f.key === 'text' ? text.length : (found[i + 1]?.start ?? text.length);
    const raw = text.slice(f.valueStart, end);
    const value = f.key === 'text' ? raw : raw.trim();
    if (!(f.key in out)) out[f.key] = value;
  });
  if (out.id === undefined && out.stat === undefined) return undefined;
  if (out.stat !== undefined) {
    out.stat = out.stat.toUpperCase();
    if (isStatWord(out.stat)) out.statWord = out.stat;
  }
  return out as ParsedReceipt;
}

/** YYMMDDhhmm[ss] (UTC, 20YY) -> Date; undefined when not that shape or not a real date. */
export function parseReceiptDate(value: string): Date | undefined {
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?$/.exec(value.trim());
  if (!m) return undefined;
  const [yy, mo, dd, hh, mi, ss] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(2000 + yy, mo - 1, dd, hh, mi, ss));
  return date.getUTCMonth() === mo - 1 && date.getUTCDate() === dd && hh < 24 && mi < 60 && ss < 60 ? date : undefined;
}

const DECIMAL = /^\d+$/;
const HEX = /^(?:0x)?[0-9a-f]+$/i;

/**
 * The forms a receipt's id may take for the id the carrier gave in
 * submit_sm_resp: as written, plus its decimal <-> hex conversions (many
 * SMSCs return hex in submit_sm_resp and decimal in the receipt text, or
 * the reverse). Hex forms are lower-case; the raw id comes first.
 * Conversions use BigInt, so 64-bit ids convert exactly.
 */
export function receiptIdCandidates(id: string): string[] {
  const raw = id.trim();
  const out = new Set<string>([raw]);
  if (raw === '') return [...out];
  if (DECIMAL.test(raw)) {
    const n = BigInt(raw);
    out.add(n.toString(16));
    out.add(n.toString(16).toUpperCase());
    out.add(n.toString(10));
  }
  if (HEX.test(raw) && raw.replace(/^0x/i, '').length <= 32) {
    const n = BigInt(`0x${raw.replace(/^0x/i, '')}`);
    out.add(n.toString(10));
    out.add(raw.replace(/^0x/i, '').toLowerCase());
    out.add(n.toString(16));
  }
  return [...out];
}
