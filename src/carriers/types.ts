/**
 * The contract between the dispatch side and the carrier session pool.
 *
 * The pool is the only thing that talks SMPP to upstream SMSCs. It owns the
 * binds (sockets, windows, keep-alive, reconnect); it makes no business
 * decisions: routing, failover, billing and reconciliation live in pipeline/.
 */

/**
 * How a carrier's binds are opened: `binds` transceivers, or `binds`
 * transmitters (submits) each paired with a receiver (receipts and MO).
 */
export type BindMode = 'transceiver' | 'transmitter_receiver';

/** How long messages are concatenated towards the carrier (DESIGN.md: udh8 by default). */
export type CarrierConcat = 'udh8' | 'udh16' | 'sar';

/** What an operator configures for one upstream SMSC. */
export interface CarrierConfig {
  readonly id: string;
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly systemId: string;
  readonly password: string;
  readonly systemType: string;
  /** Number of transceiver binds kept open (default 1). */
  readonly binds: number;
  /** Outstanding submit_sm per bind before a caller waits for a slot (default 10). */
  readonly window: number;
  /** Submits per second across all binds of this carrier; null = no cap. */
  readonly maxTps: number | null;
  readonly enabled: boolean;
  /** Default 'transceiver'. */
  readonly bindMode?: BindMode;
  /** Default 'udh8'. */
  readonly concat?: CarrierConcat;
  /** What the carrier charges per message part, minor units (default 0); for margin reports. */
  readonly cost?: number;
  /** Deleted through the API: kept (its messages refer to it) but never bound nor routed to. */
  readonly deleted?: boolean;
}

/** One SMPP submit_sm towards a carrier: one part of a message. */
export interface OutboundPart {
  readonly sourceAddr: string;
  readonly sourceAddrTon: number;
  readonly sourceAddrNpi: number;
  readonly destinationAddr: string;
  /** dest_addr_ton / dest_addr_npi; default 1 / 1 (international, E.164), as our numbers are stored. */
  readonly destAddrTon?: number;
  readonly destAddrNpi?: number;
  /** 0 = GSM 03.38 unpacked septets, 8 = UCS-2 (UTF-16BE). */
  readonly dataCoding: number;
  /** 0x40 (UDHI) when shortMessage starts with a user data header. */
  readonly esmClass: number;
  /** Octets as sent on the wire, UDH included. */
  readonly shortMessage: Buffer;
  /** 1 = a receipt is wanted for this part. */
  readonly registeredDelivery: number;
  /** SAR TLVs when the carrier wants them instead of a UDH. */
  readonly sar?: { readonly refNum: number; readonly totalSegments: number; readonly seqNum: number };
}

/**
 * Why nothing was sent:
 * - unknown-carrier, disabled: the pool does not hold the carrier (now);
 * - not-bound: no bound session (the carrier is down or refuses our binds);
 * - not-held: this process holds none of the carrier's bind slots (other
 *   workers processes hold them all, or its leases could not be renewed);
 * - window-full: every window stayed full for windowWaitMs (the carrier is not answering);
 * - over-tps: the carrier's maxTps left no permit within maxTpsWaitMs (our own cap);
 * - breaker-open: the carrier's circuit breaker is open (or half-open with its probe out);
 * - paused: the carrier answered ESME_RTHROTTLED a moment ago; its dispatch is paused.
 */
export type UnavailableCause =
  | 'unknown-carrier'
  | 'disabled'
  | 'not-bound'
  | 'not-held'
  | 'window-full'
  | 'over-tps'
  | 'breaker-open'
  | 'paused';

/**
 * What became of one submit_sm. Classified by what the caller must do:
 * - accepted: the carrier took it and gave its id;
 * - rejected: the carrier answered with an error command_status (the caller
 *   decides permanent vs transient from the status);
 * - timeout: no submit_sm_resp within the response timeout: the outcome is
 *   unknown, never resend blindly;
 * - unavailable: no bound session could take it (nothing was sent).
 */
export type SubmitOutcome =
  | { readonly kind: 'accepted'; readonly carrierMessageId: string }
  | { readonly kind: 'rejected'; readonly commandStatus: number }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'unavailable'; readonly cause: UnavailableCause; readonly reason: string };

/** A deliver_sm received from a carrier: a receipt (esm_class 0x04) or an MO message. */
export interface InboundDeliver {
  readonly carrierId: string;
  readonly sourceAddr: string;
  readonly destinationAddr: string;
  readonly esmClass: number;
  readonly dataCoding: number;
  /** Raw short_message octets (or message_payload when short_message is empty). */
  readonly shortMessage: Buffer;
  readonly receiptedMessageId?: string;
  readonly messageState?: number;
  readonly networkErrorCode?: Buffer;
}

export type CarrierSessionState = 'connecting' | 'binding' | 'bound' | 'unbinding' | 'closed';

export interface CarrierLiveState {
  readonly carrierId: string;
  /** Bound sessions of every kind (transceivers, transmitters and receivers). */
  readonly boundSessions: number;
  /**
   * Sessions this process is to keep: binds (2 x binds for
   * transmitter_receiver) of the slots it holds; 0 when disabled. Summed
   * over processes, the carrier's configured sessions.
   */
  readonly configuredBinds: number;
  readonly inFlight: number;
}

/** Circuit breaker states, as GET /carriers shows them and the breaker gauge encodes them (0, 1, 2). */
export type BreakerState = 'closed' | 'half-open' | 'open';

export const BREAKER_GAUGE: Readonly<Record<BreakerState, number>> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * Submit permits for a carrier's maxTps, shared by every process (Redis).
 * take() grants up to `want` permits now; when it grants none,
 * retryAfterMs says when one will be free.
 */
export interface TpsPermitSource {
  /** `want` permits, all or nothing; `express`: up to `want`, whatever there is now. */
  take(carrierId: string, maxTps: number, want: number, options?: { readonly express?: boolean }): Promise<{ granted: number; retryAfterMs: number }>;
}

/**
 * Leases on a carrier's bind slots, shared by every workers process
 * (Redis), so that together they never open more binds than the carrier's
 * `binds` (DESIGN.md "Scale-out"). A slot's lease names its owner and
 * expires unless renewed; a process binds a slot only while it holds it.
 */
export interface BindLeaseSource {
  /** Registers `owner` as live for `ttlMs`; returns every live owner. */
  heartbeat(owner: string, ttlMs: number): Promise<string[]>;
  /**
   * Renews the slots of `carrierId` (0 .. slots-1) that `owner` holds, then
   * takes free ones, lowest first, while it holds fewer than `want`;
   * returns the slots it holds, ascending.
   */
  claim(carrierId: string, slots: number, owner: string, want: number, ttlMs: number): Promise<number[]>;
  /** Gives a slot back, if `owner` still holds it. */
  release(carrierId: string, slot: number, owner: string): Promise<void>;
  /** Removes `owner` from the live owners (its slots go back with release). */
  leave(owner: string): Promise<void>;
}

/**
 * Called for every deliver_sm. The deliver_sm_resp is sent only after the
 * returned promise resolves (the receipt is durable); when it rejects the
 * pool answers ESME_RX_T_APPN (0x64) so the carrier retries later.
 */
export type DeliverHandler = (deliver: InboundDeliver) => Promise<void>;

/**
 * Whose submit this is, for the pool's fair admission (fair-queue.ts):
 * express before normal, round robin across accounts within a lane.
 * The same words as the message priority (pipeline/types.ts).
 */
export interface SubmitOrder {
  readonly accountId: string;
  readonly priority: 'normal' | 'express';
}

export interface CarrierPort {
  /** `order` omitted: the normal lane, as one anonymous account. */
  submit(carrierId: string, part: OutboundPart, order?: SubmitOrder): Promise<SubmitOutcome>;
  liveState(carrierId: string): CarrierLiveState | undefined;
}
