/**
 * The simulator's configuration, behaviours and records. camelCase: this is
 * a test carrier for the rest of the app, not part of the SMPP layer.
 */
import type { Logger } from 'pino';
import type { SmppSessionOptions } from '../smpp/session';

/** Final outcomes a rule can force. */
export type SimulatedStat = 'DELIVRD' | 'UNDELIV' | 'EXPIRED' | 'REJECTD';

/** Matched on destination_addr by prefix; the first match wins; '' matches all. */
export interface OutcomeRule {
  readonly prefix: string;
  readonly stat: SimulatedStat;
  /** The receipt's err: field, 3 characters (default '000' for DELIVRD, else '001'). */
  readonly err?: string;
}

/**
 * Named misbehaviours, switchable at run time:
 * - normal: answer submit_sm ESME_ROK and send receipts;
 * - throttle: answer submit_sm ESME_RTHROTTLED (0x58);
 * - reject: answer submit_sm with `commandStatus` (e.g. 0x0B ESME_RINVDSTADR);
 * - silent: never answer submit_sm (enquire_link still answered);
 * - down: close every connection and refuse new ones until switched back.
 */
export type SimulatorBehaviour =
  | { readonly kind: 'normal' }
  | { readonly kind: 'throttle' }
  | { readonly kind: 'reject'; readonly commandStatus: number }
  | { readonly kind: 'silent' }
  | { readonly kind: 'down' };

export type SimulatorBehaviourName = SimulatorBehaviour['kind'];

export interface SmscSimulatorOptions {
  /** Listen address (default 127.0.0.1). */
  readonly host?: string;
  /** 0 = a free port (default). */
  readonly port?: number;
  /** When both are set, a bind must match: wrong system_id -> ESME_RINVSYSID, wrong password -> ESME_RINVPASWD. Default: any. */
  readonly systemId?: string;
  readonly password?: string;
  /**
   * Binds one system_id may hold at once, as an SMSC enforces an account's bind limit: one more is
   * refused with ESME_RBINDFAIL (and counted in bindsRefused). Default: no limit.
   */
  readonly maxBindsPerSystemId?: number;
  /** Style of the message ids we hand out (default 'hex'). */
  readonly idStyle?: 'hex' | 'decimal';
  /** Style of the id in the receipt text (default: as handed out); carriers often answer hex and write decimal. */
  readonly receiptIdStyle?: 'hex' | 'decimal';
  /** Send the receipted_message_id TLV in receipts (default true); without it only the text carries the id. */
  readonly receiptedMessageIdTlv?: boolean;
  /** Delay before each submit_sm_resp, in ms (default 0). */
  readonly submitResponseDelayMs?: number;
  /** Delay between submit_sm_resp and the receipt, in ms (default 100). */
  readonly dlrDelayMs?: number;
  /** Fraction of messages (0..1) that end UNDELIV when no rule matches (default 0). */
  readonly failRatio?: number;
  /** PRNG seed for failRatio (default 1). */
  readonly seed?: number;
  readonly rules?: readonly OutcomeRule[];
  readonly behaviour?: SimulatorBehaviour;
  /** deliver_sm outstanding per bind (default 100). */
  readonly deliverWindowSize?: number;
  /** Wait before resending a receipt the client refused or did not answer, in ms (default 1_000). */
  readonly receiptRetryDelayMs?: number;
  /** Attempts per receipt before it is dropped (default 10). */
  readonly maxReceiptAttempts?: number;
  /** Receipts held (waiting for their delay or for a bind) before further ones are dropped (default 1_000_000). */
  readonly maxPendingReceipts?: number;
  /** `received` keeps at most this many submits, oldest dropped first (default 10_000; 0 = keep none). */
  readonly maxRecordedSubmits?: number;
  /** Timeouts of the simulator's sessions (window, enquire_link, ...). */
  readonly session?: Omit<SmppSessionOptions, 'onRequest' | 'windowSize' | 'logger' | 'label'>;
  readonly logger?: Logger;
}

/** One submit_sm as the simulator received it. */
export interface ReceivedSubmit {
  readonly systemId: string;
  /** Which connection it came on (1, 2, ... in accept order). */
  readonly bindId: number;
  readonly sourceAddr: string;
  readonly sourceAddrTon: number;
  readonly sourceAddrNpi: number;
  readonly destinationAddr: string;
  readonly destAddrTon: number;
  readonly destAddrNpi: number;
  readonly dataCoding: number;
  readonly esmClass: number;
  readonly registeredDelivery: number;
  /** Raw short_message octets, UDH included (a copy). */
  readonly shortMessage: Buffer;
  readonly messagePayload?: Buffer;
  /** From a concat UDH element (8- or 16-bit reference), when esm_class has UDHI. */
  readonly udh?: { readonly ref: number; readonly total: number; readonly seq: number };
  readonly sar?: { readonly refNum: number; readonly totalSegments: number; readonly seqNum: number };
  /** Epoch ms. */
  readonly receivedAt: number;
  /** The id we answered with; undefined when the submit was throttled, rejected or left unanswered. */
  readonly messageId: string | undefined;
  /** The command_status we answered (undefined when silent). */
  readonly commandStatus: number | undefined;
}

export interface SimulatorStats {
  binds: number;
  bindsRefused: number;
  submits: number;
  submitsAccepted: number;
  submitsRefused: number;
  submitsUnanswered: number;
  receiptsSent: number;
  receiptsAcked: number;
  receiptsRetried: number;
  receiptsDropped: number;
  moSent: number;
}

export interface MoRequest {
  readonly from: string;
  readonly to: string;
  /** Encoded as GSM 03.38 (data_coding 0) when it fits, else UCS-2 (8). */
  readonly text?: string;
  readonly dataCoding?: number;
  /** Raw octets, used as given with dataCoding (default 0). */
  readonly shortMessage?: Buffer;
  readonly esmClass?: number;
  /** Deliver to a bind of this system_id; default any receiver/transceiver bind. */
  readonly systemId?: string;
}

export type SmscSimulatorEvents = {
  submit: [submit: ReceivedSubmit];
  bind: [bind: { readonly systemId: string; readonly bindType: string }];
  /** A receipt the client answered (any status). */
  receiptResponse: [response: { readonly messageId: string; readonly commandStatus: number }];
};
