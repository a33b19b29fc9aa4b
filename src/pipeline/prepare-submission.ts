/**
 * Turns one validated submission into the messages to accept: numbers
 * normalised, text measured, route and price resolved. Pure: the caller
 * brings the routing snapshot and the clock. Any bad recipient fails the
 * whole submission, so nothing is created half-way.
 */
import { GatewayError } from '../core/errors';
import { newMessageId } from '../core/id';
import { normalizeNumber, parseSender } from '../core/number';
import { DEFAULT_MAX_PARTS, measureText } from '../core/text';
import { messagePrice } from '../billing/charges';
import type { RoutingTable } from '../routing/routing-table';
import type { App, Channel, NewMessage, Priority } from './types';

/** Most destination numbers in one HTTP submission (DESIGN.md). */
export const MAX_RECIPIENTS = 1000;

export interface Submission {
  readonly to: readonly string[];
  readonly from?: string | null;
  readonly text: string;
  readonly priority?: Priority;
  readonly reference?: string | null;
  readonly callbackUrl?: string | null;
  /** Seconds the message stays deliverable. */
  readonly validitySeconds?: number | null;
  readonly registeredDelivery?: boolean;
  /** Held until then (resolved by src/campaigns/schedule.ts; null: now); validity counts from it. */
  readonly scheduleAt?: Date | null;
}

export interface PrepareContext {
  readonly app: App;
  readonly channel: Channel;
  readonly routing: RoutingTable;
  readonly now: Date;
  readonly defaultValiditySeconds: number;
  readonly maxParts?: number;
  /** The account's price per part for a number when it overrides the route's (billing/rate-overrides.ts). */
  readonly partPrice?: (to: string) => number | undefined;
}

export function prepareSubmission(submission: Submission, ctx: PrepareContext): NewMessage[] {
  if (submission.to.length === 0) throw new GatewayError('INVALID_REQUEST', 'at least one destination number is required');
  if (submission.to.length > MAX_RECIPIENTS) {
    throw new GatewayError('TOO_MANY_RECIPIENTS', `at most ${MAX_RECIPIENTS} numbers per request`, {
      limit: MAX_RECIPIENTS,
      given: submission.to.length,
    });
  }
  if (submission.text.length === 0) throw new GatewayError('INVALID_REQUEST', 'text must not be empty');

  const from = submission.from ?? null;
  if (from !== null) {
    if (parseSender(from) === null) throw new GatewayError('INVALID_SENDER', `sender "${from}" is not a valid sender id`);
    if (ctx.app.senders.length > 0 && !ctx.app.senders.includes(from)) {
      throw new GatewayError('INVALID_SENDER', `sender "${from}" is not allowed for this app`);
    }
  }

  const measured = measureText(submission.text);
  const maxParts = ctx.maxParts ?? DEFAULT_MAX_PARTS;
  if (measured.parts > maxParts) {
    throw new GatewayError('MESSAGE_TOO_LONG', `the text needs ${measured.parts} parts; at most ${maxParts} are allowed`, {
      parts: measured.parts,
      limit: maxParts,
    });
  }

  const invalid: string[] = [];
  const unroutable: string[] = [];
  const recipients: Array<{ to: string; partPrice: number }> = [];
  for (const raw of submission.to) {
    const to = normalizeNumber(raw);
    if (to === null) {
      invalid.push(raw);
      continue;
    }
    const route = ctx.routing.resolve(to);
    if (!route) unroutable.push(to);
    else recipients.push({ to, partPrice: ctx.partPrice?.(to) ?? route.price });
  }
  if (invalid.length > 0) throw new GatewayError('INVALID_NUMBER', 'invalid destination number', { invalid });
  if (unroutable.length > 0) throw new GatewayError('NO_ROUTE', 'no route covers these numbers', { unroutable });

  const validitySeconds = submission.validitySeconds ?? ctx.defaultValiditySeconds;
  const scheduleAt = submission.scheduleAt ?? null;
  const validUntil = new Date((scheduleAt ?? ctx.now).getTime() + validitySeconds * 1000);
  const nowMs = ctx.now.getTime();
  return recipients.map(({ to, partPrice }) => ({
    id: newMessageId(nowMs),
    accountId: ctx.app.accountId,
    appId: ctx.app.id,
    channel: ctx.channel,
    to,
    from,
    text: submission.text,
    encoding: measured.encoding,
    parts: measured.parts,
    price: messagePrice(partPrice, measured.parts),
    priority: submission.priority ?? 'normal',
    reference: submission.reference ?? null,
    callbackUrl: submission.callbackUrl ?? ctx.app.callbackUrl,
    registeredDelivery: submission.registeredDelivery ?? true,
    validUntil,
    ...(scheduleAt ? { scheduleAt } : {}),
  }));
}
