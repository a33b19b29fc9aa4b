/**
 * One transceiver bind to one carrier, kept alive: connect, bind, keep
 * alive (the session's enquire_link), and on any loss (socket drop, SMSC
 * unbind, refused bind, dead peer) reconnect with exponential backoff and
 * jitter, reset once a bind succeeds. It turns submit_sm outcomes into
 * SubmitOutcome and hands every deliver_sm to the DeliverHandler, answering
 * only once the handler has settled. No routing or retry decisions.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { Logger } from 'pino';
import { COMMAND_STATUS, INTERFACE_VERSION_34, PduEncodeError, isPduDecodeError, type Pdu } from '../smpp/codec';
import {
  SmppProtocolError,
  SmppSession,
  SmppWindowTimeoutError,
  isSmppSessionError,
  type RequestAnswer,
  type SmppSessionOptions,
} from '../smpp/session';
import { inboundDeliverOf, submitSmFields } from './carrier-pdus';
import { reconnectDelayMs } from './reconnect-backoff';
import type { CarrierConfig, CarrierSessionState, DeliverHandler, OutboundPart, SubmitOutcome } from './types';

export interface CarrierClientTimings {
  /** Per submit_sm; expiry is an unknown outcome (default 10_000). */
  readonly responseTimeoutMs?: number;
  /** Keep-alive when idle (default 30_000). */
  readonly enquireLinkIntervalMs?: number;
  /** Longest wait for a window slot before 'unavailable' (default 5_000). */
  readonly windowWaitMs?: number;
  /** TCP connect (default 10_000). */
  readonly connectTimeoutMs?: number;
  /** First reconnect delay; doubles per failed attempt (default 250). */
  readonly reconnectInitialMs?: number;
  /** Reconnect delay ceiling (default 30_000). */
  readonly reconnectMaxMs?: number;
  /** Longest wait for the DeliverHandler before answering ESME_RX_T_APPN (default 30_000). */
  readonly deliverHandlerTimeoutMs?: number;
}

export interface CarrierClientOptions extends CarrierClientTimings {
  readonly config: CarrierConfig;
  /** 0-based, for logs. */
  readonly bindIndex: number;
  /** Default 'transceiver'; a 'receiver' only takes deliver_sm and refuses submits. */
  readonly bindType?: CarrierBindType;
  readonly onDeliver: DeliverHandler;
  readonly logger: Logger;
  /** [0, 1) source for backoff jitter (default Math.random). */
  readonly random?: () => number;
}

/** A bind that lasted this long resets the reconnect backoff. */
const STABLE_BIND_MS = 10_000;

export type CarrierClientEvents = { state: [state: CarrierSessionState] };

export type CarrierBindType = 'transceiver' | 'transmitter' | 'receiver';

/** Connects within timeoutMs; `onSocket` gets the socket at once so a stop() can destroy it mid-connect. */
function connect(host: string, port: number, timeoutMs: number, onSocket: (socket: net.Socket) => void): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    onSocket(socket);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.off('close', onClose);
      socket.destroy();
      reject(error);
    };
    const onClose = (): void => fail(new Error('socket closed while connecting'));
    const timer = setTimeout(() => fail(new Error(`connect timeout after ${timeoutMs} ms`)), timeoutMs);
    socket.once('error', fail);
    socket.once('close', onClose);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      socket.off('close', onClose);
      resolve(socket);
    });
  });
}

export class CarrierClient extends EventEmitter<CarrierClientEvents> {
  private session: SmppSession | undefined;
  private connectingSocket: net.Socket | undefined;
  private stateValue: CarrierSessionState = 'connecting';
  private stopped = false;
  private wakeBackoff: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private windowSize: number;
  readonly bindType: CarrierBindType;
  private readonly logger: Logger;
  private readonly t: Required<CarrierClientTimings>;

  constructor(private readonly options: CarrierClientOptions) {
    super();
    this.windowSize = options.config.window;
    this.bindType = options.bindType ?? 'transceiver';
    this.logger = options.logger.child({ carrier: options.config.name, bind: options.bindIndex, bindType: this.bindType });
    this.t = {
      responseTimeoutMs: options.responseTimeoutMs ?? 10_000,
      enquireLinkIntervalMs: options.enquireLinkIntervalMs ?? 30_000,
      windowWaitMs: options.windowWaitMs ?? 5_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      reconnectInitialMs: options.reconnectInitialMs ?? 250,
      reconnectMaxMs: options.reconnectMaxMs ?? 30_000,
      deliverHandlerTimeoutMs: options.deliverHandlerTimeoutMs ?? 30_000,
    };
  }

  get state(): CarrierSessionState {
    return this.stateValue;
  }

  get isBound(): boolean {
    return this.session?.isBound ?? false;
  }

  get inFlight(): number {
    return this.session?.inFlight ?? 0;
  }

  /** Transceivers and transmitters take submits; receivers do not. */
  get canSubmit(): boolean {
    return this.bindType !== 'receiver';
  }

  get freeSlots(): number {
    return this.session?.isBound ? this.session.freeSlots : 0;
  }

  /** Starts the connect/bind/reconnect loop; idempotent. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Unbinds gracefully (bounded) and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeBackoff?.();
    this.connectingSocket?.destroy();
    const session = this.session;
    if (session?.isBound) {
      this.setState('unbinding');
      await session.unbind();
    } else session?.close();
    await this.loop;
    this.setState('closed');
  }

  setWindowSize(size: number): void {
    this.windowSize = size;
    this.session?.setWindowSize(size);
  }

  async submit(part: OutboundPart): Promise<SubmitOutcome> {
    const session = this.session;
    if (!session?.isBound || !this.canSubmit) {
      return { kind: 'unavailable', cause: 'not-bound', reason: `${this.bindType} ${this.options.bindIndex} is ${this.stateValue}` };
    }
    try {
      const response = await session.request('submit_sm', submitSmFields(part));
      if (response.command === 'submit_sm_resp' && response.commandStatus === COMMAND_STATUS.ESME_ROK) {
        return { kind: 'accepted', carrierMessageId: response.fields.message_id };
      }
      return { kind: 'rejected', commandStatus: response.commandStatus || COMMAND_STATUS.ESME_RSYSERR };
    } catch (error) {
      if (error instanceof PduEncodeError || isPduDecodeError(error)) {
        // The part itself cannot be expressed in SMPP: permanent, nothing was sent.
        this.logger.error({ err: error.message }, 'submit_sm not encodable');
        return { kind: 'rejected', commandStatus: COMMAND_STATUS.ESME_RSUBMITFAIL };
      }
      if (!isSmppSessionError(error)) throw error;
      if (error instanceof SmppProtocolError && error.commandStatus !== COMMAND_STATUS.ESME_ROK) {
        return { kind: 'rejected', commandStatus: error.commandStatus };
      }
      if (error.sent) return { kind: 'timeout' };
      return { kind: 'unavailable', cause: error instanceof SmppWindowTimeoutError ? 'window-full' : 'not-bound', reason: error.message };
    }
  }

  private setState(state: CarrierSessionState): void {
    if (state === this.stateValue) return;
    this.stateValue = state;
    this.emit('state', state);
  }

  private async run(): Promise<void> {
    const { config } = this.options;
    let attempt = 0;
    while (!this.stopped) {
      this.setState('connecting');
      let session: SmppSession | undefined;
      try {
        const socket = await connect(config.host, config.port, this.t.connectTimeoutMs, (s) => (this.connectingSocket = s));
        this.connectingSocket = undefined;
        if (this.stopped) {
          socket.destroy();
          break;
        }
        session = new SmppSession(socket, this.sessionOptions());
        this.session = session;
        this.setState('binding');
        await session.bind(this.bindType, {
          system_id: config.systemId,
          password: config.password,
          system_type: config.systemType,
          interface_version: INTERFACE_VERSION_34,
        });
        const boundAtMs = Date.now();
        this.setState('bound');
        this.logger.info('carrier bound');
        const closed = await session.closed;
        // A bind that held is a fresh start; one the carrier drops at once keeps backing off.
        if (Date.now() - boundAtMs >= STABLE_BIND_MS) attempt = 0;
        this.logger.warn({ reason: closed.reason, err: closed.error?.message }, 'carrier session closed');
      } catch (error) {
        this.logger.warn({ err: (error as Error).message, attempt }, 'carrier connect or bind failed');
        session?.close();
      }
      this.session = undefined;
      this.connectingSocket = undefined;
      if (this.stopped) break;
      this.setState('connecting');
      await this.backoff(attempt++);
    }
  }

  private backoff(attempt: number): Promise<void> {
    const delayMs = reconnectDelayMs(attempt, this.t.reconnectInitialMs, this.t.reconnectMaxMs, this.options.random);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeBackoff = undefined;
        resolve();
      };
      const timer = setTimeout(done, delayMs);
      this.wakeBackoff = done;
    });
  }

  private sessionOptions(): SmppSessionOptions {
    const { config } = this.options;
    return {
      windowSize: this.windowSize,
      windowWaitMs: this.t.windowWaitMs,
      responseTimeoutMs: this.t.responseTimeoutMs,
      enquireLinkIntervalMs: this.t.enquireLinkIntervalMs,
      inactivityTimeoutMs: 2 * this.t.enquireLinkIntervalMs + this.t.responseTimeoutMs,
      bindTimeoutMs: this.t.responseTimeoutMs + 1_000,
      label: `${config.name}#${this.options.bindIndex}`,
      logger: this.options.logger,
      onRequest: (pdu) => this.onRequest(pdu),
    };
  }

  private async onRequest(pdu: Pdu): Promise<RequestAnswer> {
    if (pdu.command !== 'deliver_sm' && pdu.command !== 'data_sm') return { commandStatus: COMMAND_STATUS.ESME_RINVCMDID };
    const deliver = inboundDeliverOf(this.options.config.id, pdu);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.options.onDeliver(deliver),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('deliver handler timed out')), this.t.deliverHandlerTimeoutMs);
        }),
      ]);
      return { fields: { message_id: '' } };
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'deliver_sm not taken, answering ESME_RX_T_APPN');
      return { commandStatus: COMMAND_STATUS.ESME_RX_T_APPN };
    } finally {
      clearTimeout(timer);
    }
  }
}
