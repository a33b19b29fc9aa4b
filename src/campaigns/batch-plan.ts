/**
 * A batch request's recipients checked and priced before anything is stored
 * (pure: the caller brings the routing snapshot, the rates and the clock).
 * Numbers are normalised like single submissions; a later duplicate of a
 * number, a number no route covers, a template whose params are missing or
 * wrong for a recipient, or a rendered text that is too long refuse that
 * recipient only. The sender and a plain text that is too long refuse the
 * whole request (they are the same for every recipient).
 */
import { GatewayError } from '../core/errors';
import { newMessageId } from '../core/id';
import { normalizeNumber, parseSender } from '../core/number';
import { DEFAULT_MAX_PARTS, measureText } from '../core/text';
import { messagePrice } from '../billing/charges';
import type { RoutingTable } from '../routing/routing-table';
import { renderTemplate, type ParamValue } from '../policy/template';
import type { App, TextEncoding } from '../pipeline/types';

/** Most recipients in one batch. */
export const MAX_BATCH_RECIPIENTS = 100_000;

export type RefusalReason = 'invalid_number' | 'duplicate' | 'no_route' | 'invalid_params' | 'too_long';

export interface BatchRecipientInput {
  readonly to: string;
  readonly params?: Readonly<Record<string, ParamValue>> | undefined;
}

export interface BatchContent {
  /** Exactly one of text and templateBody. */
  readonly text?: string | undefined;
  /** The approved template's body; each recipient's params render it. */
  readonly templateBody?: string | undefined;
  readonly from?: string | null | undefined;
}

export interface PlanContext {
  readonly app: App;
  readonly routing: RoutingTable;
  readonly now: Date;
  readonly maxParts?: number;
  /** The account's price per part for a number when it overrides the route's. */
  readonly partPrice?: (to: string) => number | undefined;
}

export interface PlannedRecipient {
  readonly seq: number;
  readonly to: string;
  readonly text: string;
  readonly encoding: TextEncoding;
  readonly parts: number;
  /** All parts, minor units, at the route's (or the account's) rate now. */
  readonly price: number;
  /** The id its message gets at expansion (UUIDv7 of now). */
  readonly messageId: string;
}

export interface BatchPlan {
  readonly accepted: PlannedRecipient[];
  readonly refused: Array<{ to: string; reason: RefusalReason; detail?: string }>;
  readonly totalPrice: number;
}

export function planBatch(recipients: readonly BatchRecipientInput[], content: BatchContent, ctx: PlanContext): BatchPlan {
  if (recipients.length === 0) throw new GatewayError('INVALID_REQUEST', 'at least one recipient is required');
  if (recipients.length > MAX_BATCH_RECIPIENTS) {
    throw new GatewayError('TOO_MANY_RECIPIENTS', `at most ${MAX_BATCH_RECIPIENTS} recipients per batch`, {
      limit: MAX_BATCH_RECIPIENTS,
      given: recipients.length,
    });
  }
  if ((content.text === undefined) === (content.templateBody === undefined)) throw new Error('planBatch: give exactly one of text and templateBody');
  const from = content.from ?? null;
  if (from !== null) {
    if (parseSender(from) === null) throw new GatewayError('INVALID_SENDER', `sender "${from}" is not a valid sender id`);
    if (ctx.app.senders.length > 0 && !ctx.app.senders.includes(from)) {
      throw new GatewayError('INVALID_SENDER', `sender "${from}" is not allowed for this app`);
    }
  }
  const maxParts = ctx.maxParts ?? DEFAULT_MAX_PARTS;
  const fixed = content.text !== undefined ? measureText(content.text) : undefined;
  if (fixed && fixed.parts > maxParts) {
    throw new GatewayError('MESSAGE_TOO_LONG', `the text needs ${fixed.parts} parts; at most ${maxParts} are allowed`, { parts: fixed.parts, limit: maxParts });
  }

  const nowMs = ctx.now.getTime();
  const seen = new Set<string>();
  const accepted: PlannedRecipient[] = [];
  const refused: BatchPlan['refused'] = [];
  let totalPrice = 0;
  for (const recipient of recipients) {
    const to = normalizeNumber(recipient.to);
    if (to === null) {
      refused.push({ to: recipient.to, reason: 'invalid_number' });
      continue;
    }
    if (seen.has(to)) {
      refused.push({ to, reason: 'duplicate' });
      continue;
    }
    seen.add(to);
    const route = ctx.routing.resolve(to);
    if (!route) {
      refused.push({ to, reason: 'no_route' });
      continue;
    }
    let text: string;
    let measured = fixed;
    if (content.text !== undefined) text = content.text;
    else {
      try {
        text = renderTemplate(content.templateBody!, recipient.params ?? {});
      } catch (error) {
        refused.push({ to, reason: 'invalid_params', detail: (error as Error).message });
        continue;
      }
      measured = measureText(text);
      if (text.length === 0 || measured.parts > maxParts) {
        refused.push({ to, reason: 'too_long', detail: `the text needs ${measured.parts} parts; at most ${maxParts} are allowed` });
        continue;
      }
    }
    const price = messagePrice(ctx.partPrice?.(to) ?? route.price, measured!.parts);
    totalPrice += price;
    accepted.push({ seq: accepted.length, to, text, encoding: measured!.encoding, parts: measured!.parts, price, messageId: newMessageId(nowMs) });
  }
  return { accepted, refused, totalPrice };
}
