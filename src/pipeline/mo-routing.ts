/**
 * The mo stage: carrier MO messages gathered into micro-batches, stored with
 * their owning app in one statement (db/mo-store.ts), then handed to the
 * app: a signed POST to its moUrl (the notify queue: retries, dead letters)
 * when it has one, otherwise deliver_sm to its SMPP receiver/transceiver
 * binds through the ESME outbox (waiting for a bind up to `smppWaitMs`).
 * The carrier's deliver_sm_resp waits until the MO is stored and its
 * delivery enqueued; an MO no app owns is stored unrouted and counted.
 */
import { randomUUID } from 'node:crypto';
import type { EsmeMoNotice, EsmeOutbox } from './esme-notify';
import type { InboundMo } from './inbound';
import { MicroBatcher } from './micro-batcher';
import type { StageQueues } from './ports';
import type { CallbackRecord } from './types';

/** An MO as routing sees it: its destination normalised and its first word as keyword. */
export interface RoutableMo extends InboundMo {
  /** First word of the text, upper case ('' when none). */
  readonly keyword: string;
}

export interface MoRoute {
  readonly id: string;
  readonly appId: string | null;
  readonly moUrl: string | null;
}

/** Destination as numbers are stored: digits only, without '+' or a leading '00'. */
export function normalizeMoNumber(raw: string): string {
  const digits = raw.replace(/[\s+\-().]/g, '');
  return digits.startsWith('00') ? digits.slice(2) : digits;
}

/** First word of an MO's text, upper case, at most 32 characters ('' when none). */
export function firstKeyword(text: string): string {
  const word = text.trim().split(/\s+/, 1)[0] ?? '';
  return word.slice(0, 32).toUpperCase();
}

export function routable(mo: InboundMo): RoutableMo {
  return { ...mo, to: normalizeMoNumber(mo.to), keyword: firstKeyword(mo.text) };
}

/** The MO webhook body (DESIGN.md): {id, from, to, text, receivedAt}. */
export function moWebhookBody(mo: InboundMo): string {
  return JSON.stringify({ id: mo.id, from: mo.from, to: mo.to, text: mo.text, receivedAt: mo.receivedAt.toISOString() });
}

/** Where each routed MO goes: webhooks for apps with a moUrl, SMPP notices for the others. */
export function moDeliveries(
  mos: readonly InboundMo[],
  routes: readonly MoRoute[],
  smppWaitMs: number,
): { callbacks: CallbackRecord[]; notices: EsmeMoNotice[]; unrouted: number } {
  const byId = new Map(routes.map((r) => [r.id, r]));
  const callbacks: CallbackRecord[] = [];
  const notices: EsmeMoNotice[] = [];
  let unrouted = 0;
  for (const mo of mos) {
    const route = byId.get(mo.id);
    if (!route?.appId) {
      unrouted++;
      continue;
    }
    if (route.moUrl) {
      callbacks.push({ appId: route.appId, url: route.moUrl, body: moWebhookBody(mo), kind: 'mo' });
      continue;
    }
    notices.push({
      kind: 'mo',
      appId: route.appId,
      id: mo.id,
      from: mo.from,
      to: mo.to,
      text: mo.text,
      receivedAt: mo.receivedAt.toISOString(),
      validUntil: new Date(mo.receivedAt.getTime() + smppWaitMs).toISOString(),
    });
  }
  return { callbacks, notices, unrouted };
}

export interface MoStageDeps {
  readonly store: { insertRouted(mos: readonly RoutableMo[]): Promise<MoRoute[]> };
  readonly queues: Pick<StageQueues, 'callbacks'>;
  readonly outbox: EsmeOutbox;
  /** An MO waits this long for an SMPP bind of its app, ms (default 24 h). */
  readonly smppWaitMs?: number;
  readonly onStored?: (counts: { routed: number; unrouted: number }) => void;
  readonly maxBatchItems?: number;
  readonly maxBatchWaitMs?: number;
}

/** Returns the inbound stage's `storeMo`: resolves once the MO is stored and its delivery durable. */
export function createMoStage(deps: MoStageDeps): { storeMo: (mo: InboundMo) => Promise<void>; drain: () => Promise<void> } {
  const smppWaitMs = deps.smppWaitMs ?? 86400_000;
  const batcher = new MicroBatcher<RoutableMo, true>({
    maxItems: deps.maxBatchItems ?? 200,
    maxWaitMs: deps.maxBatchWaitMs ?? 10,
    flush: async (batch) => {
      const routes = await deps.store.insertRouted(batch);
      const { callbacks, notices, unrouted } = moDeliveries(batch, routes, smppWaitMs);
      await Promise.all([
        callbacks.length > 0 ? deps.queues.callbacks(`mo:${randomUUID()}`, callbacks) : Promise.resolve(),
        deps.outbox.publish(notices),
      ]);
      deps.onStored?.({ routed: batch.length - unrouted, unrouted });
      return batch.map(() => true as const);
    },
  });
  return {
    storeMo: async (mo) => {
      await batcher.add(routable(mo));
    },
    drain: () => batcher.drain(),
  };
}
