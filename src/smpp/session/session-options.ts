/**
 * SmppSession options. Every wait is bounded, with its unit in the name and
 * a safe default; there is no "off" value. Validated once in the
 * constructor (a bad value throws RangeError) and frozen.
 */
import type { Logger } from 'pino';
import type { RequestHandler } from './session-types';

export interface SmppSessionOptions {
  /** Outstanding windowed requests (everything but bind, unbind, enquire_link). Default 10. */
  readonly windowSize?: number;
  /** How long request() waits for a free window slot before SmppWindowTimeoutError. Default 5_000. */
  readonly windowWaitMs?: number;
  /** How long a request waits for its response before SmppResponseTimeoutError. Default 10_000. */
  readonly responseTimeoutMs?: number;
  /** Send enquire_link after this long without receiving anything, while bound. Default 30_000. */
  readonly enquireLinkIntervalMs?: number;
  /** Close the session after this long without receiving anything (dead peer). Default 90_000. */
  readonly inactivityTimeoutMs?: number;
  /** Close the session if it is not bound this long after it opened. Default 30_000. */
  readonly bindTimeoutMs?: number;
  /** unbind(): longest wait for outstanding responses, then for unbind_resp. Default 5_000. */
  readonly unbindTimeoutMs?: number;
  /** Peer requests inside the handler at once; as many again may queue before reading pauses. Default 100. */
  readonly inboundWindowSize?: number;
  /** Largest PDU accepted from the peer, in octets; larger closes the socket. Default 65 KiB. */
  readonly maxPduOctets?: number;
  /** Answers the peer's requests (bind, submit_sm, deliver_sm...). Without it: generic_nack ESME_RINVCMDID. */
  readonly onRequest?: RequestHandler;
  /** Name in log lines, e.g. "carrier-a#2" or "esme 10.0.0.5:40123". */
  readonly label?: string;
  readonly logger?: Logger;
}

export interface ResolvedSessionOptions {
  readonly windowSize: number;
  readonly windowWaitMs: number;
  readonly responseTimeoutMs: number;
  readonly enquireLinkIntervalMs: number;
  readonly inactivityTimeoutMs: number;
  readonly bindTimeoutMs: number;
  readonly unbindTimeoutMs: number;
  readonly inboundWindowSize: number;
  readonly maxPduOctets: number;
  /** How often the one timer of a session sweeps expiries, derived from the timeouts. */
  readonly sweepIntervalMs: number;
}

export const SESSION_DEFAULTS = {
  windowSize: 10,
  windowWaitMs: 5_000,
  responseTimeoutMs: 10_000,
  enquireLinkIntervalMs: 30_000,
  inactivityTimeoutMs: 90_000,
  bindTimeoutMs: 30_000,
  unbindTimeoutMs: 5_000,
  inboundWindowSize: 100,
  maxPduOctets: 64 * 1024 + 1024,
} as const;

function positiveInt(name: string, value: number, max = 2 ** 31 - 1): number {
  if (!Number.isInteger(value) || value <= 0 || value > max) throw new RangeError(`${name} must be an integer 1..${max}, got ${value}`);
  return value;
}

export function resolveSessionOptions(options: SmppSessionOptions): ResolvedSessionOptions {
  const o = { ...SESSION_DEFAULTS, ...stripUndefined(options) };
  const resolved = {
    windowSize: positiveInt('windowSize', o.windowSize, 100_000),
    windowWaitMs: positiveInt('windowWaitMs', o.windowWaitMs),
    responseTimeoutMs: positiveInt('responseTimeoutMs', o.responseTimeoutMs),
    enquireLinkIntervalMs: positiveInt('enquireLinkIntervalMs', o.enquireLinkIntervalMs),
    inactivityTimeoutMs: positiveInt('inactivityTimeoutMs', o.inactivityTimeoutMs),
    bindTimeoutMs: positiveInt('bindTimeoutMs', o.bindTimeoutMs),
    unbindTimeoutMs: positiveInt('unbindTimeoutMs', o.unbindTimeoutMs),
    inboundWindowSize: positiveInt('inboundWindowSize', o.inboundWindowSize, 100_000),
    maxPduOctets: positiveInt('maxPduOctets', o.maxPduOctets, 16 * 1024 * 1024),
  };
  const shortest = Math.min(resolved.responseTimeoutMs, resolved.windowWaitMs, resolved.enquireLinkIntervalMs, resolved.bindTimeoutMs);
  // Expiries fire at most ~10% late; never busier than every 5 ms, never lazier than every 250 ms.
  const sweepIntervalMs = Math.max(5, Math.min(250, Math.floor(shortest / 10)));
  return Object.freeze({ ...resolved, sweepIntervalMs });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
