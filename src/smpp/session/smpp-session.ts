/**
 * One SMPP session over a connected socket, for either side: our carrier
 * client (ESME), the simulator and our SMPP server (SMSC). It owns sequence
 * numbers, the window, timeouts, keep-alive, bind state and back-pressure;
 * it makes no business decisions (who may bind, what a submit means): those
 * come from the request handler.
 *
 * Answered by the session itself: enquire_link; unbind (then it closes);
 * a request it cannot decode (generic_nack when it does not parse, the
 * command's response when a field value is invalid, with the decoder's
 * status);
 * bind_* while bound (ESME_RALYBND); anything but bind before a bind
 * (ESME_RINVBNDSTS); anything when no handler is set (generic_nack
 * ESME_RINVCMDID).
 *
 * Back-pressure: at most `inboundWindowSize` peer requests are inside the
 * handler; as many again may queue (responses to our own requests keep
 * flowing meanwhile); beyond that, or while the socket's write buffer is
 * above its high-water mark, reading pauses, so a fast peer cannot grow
 * memory without bound (the overshoot is at most one socket read). Our own
 * requests are bounded by the window. Writes issued in one turn of the
 * event loop go out as one socket write.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import {
  COMMAND_STATUS,
  PduFramer,
  RESPONSE_BIT,
  commandNameOf,
  decodePdu,
  encodePdu,
  isBindCommand,
  isPduDecodeError,
  responseCommandOf,
  type AnsweredCommandName,
  type BindFields,
  type FieldsOf,
  type OutgoingPdu,
  type Pdu,
  type ResponseOf,
} from '../codec';
import { BatchedWriter } from './batched-writer';
import { InboundQueue } from './inbound-queue';
import { RequestWindow } from './request-window';
export { MAX_SEQUENCE_NUMBER } from './request-window';
import { SmppBindError, SmppProtocolError, SmppSessionClosedError, SmppStateError, type SmppSessionError } from './session-errors';
import { resolveSessionOptions, type ResolvedSessionOptions, type SmppSessionOptions } from './session-options';
import { CONTROL_COMMANDS, mayRequest, routePeerRequest } from './session-rules';
import {
  BIND_COMMAND_OF,
  BIND_TYPE_OF,
  type BindType,
  type CloseInfo,
  type CloseReason,
  type RequestAnswer,
  type RequestHandler,
  type SessionState,
  type SmppSessionEvents,
} from './session-types';

/** After a graceful end, how long the peer gets to close its side before we destroy the socket. */
const LINGER_MS = 1_000;

export type RequestResult<C extends AnsweredCommandName> = Pdu<ResponseOf<C> | 'generic_nack'>;

export class SmppSession extends EventEmitter<SmppSessionEvents> {
  readonly options: ResolvedSessionOptions;
  readonly label: string;
  /** Resolves once, when the session has closed (never rejects). */
  readonly closed: Promise<CloseInfo>;
  private stateValue: SessionState;
  private boundAs: { bindType: BindType; systemId: string } | undefined;
  private readonly framer: PduFramer;
  private readonly window: RequestWindow;
  private readonly onRequest: RequestHandler | undefined;
  private readonly logger: Logger | undefined;
  private lastReceivedMs: number;
  private enquireOutstanding = false;
  private readonly inbound: InboundQueue;
  private readingPaused = false;
  private readonly writer: BatchedWriter;
  private readonly sweepTimer: NodeJS.Timeout;
  private resolveClosed!: (info: CloseInfo) => void;

  constructor(
    readonly socket: Socket,
    options: SmppSessionOptions & { /** For tests of the wrap and for resuming; default 1. */ firstSequenceNumber?: number } = {},
  ) {
    super();
    this.options = resolveSessionOptions(options);
    this.label = options.label ?? `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.onRequest = options.onRequest;
    this.logger = options.logger?.child({ session: this.label });
    this.framer = new PduFramer({ maxPduOctets: this.options.maxPduOctets });
    this.window = new RequestWindow(this.options.windowSize, options.firstSequenceNumber ?? 1);
    this.inbound = new InboundQueue(this.options.inboundWindowSize, (frame) => this.onFrame(frame));
    this.lastReceivedMs = Date.now();
    this.stateValue = { kind: 'open', sinceMs: this.lastReceivedMs };
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.writer = new BatchedWriter(socket, () => this.updateReading());
    socket.on('error', (error) => this.finish('socket-error', error));
    socket.on('end', () => this.finish('peer-closed'));
    socket.on('close', () => this.finish('peer-closed'));
    this.sweepTimer = setInterval(() => this.sweep(), this.options.sweepIntervalMs);
    this.sweepTimer.unref();
    if (socket.destroyed) queueMicrotask(() => this.finish('peer-closed'));
  }

  get state(): SessionState {
    return this.stateValue;
  }

  get isBound(): boolean {
    return this.stateValue.kind === 'bound';
  }

  /** Windowed requests awaiting a response. */
  get inFlight(): number {
    return this.window.inFlight;
  }

  get freeSlots(): number {
    return this.window.freeSlots;
  }

  get windowSize(): number {
    return this.window.windowSize;
  }

  /** Takes effect at once; lowering it lets outstanding requests finish. */
  setWindowSize(size: number): void {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('windowSize must be a positive integer');
    this.window.resize(size);
  }

  /**
   * Sends a request and resolves with its response, whatever its
   * command_status (a generic_nack included). Rejects with an
   * SmppSessionError: window wait, response timeout, state, close.
   */
  async request<C extends AnsweredCommandName>(
    command: C,
    fields?: Readonly<Partial<FieldsOf<C>>>,
    opts: { readonly timeoutMs?: number } = {},
  ): Promise<RequestResult<C>> {
    const windowed = !CONTROL_COMMANDS.has(command);
    this.assertCanSend(command);
    if (windowed) {
      await this.window.acquire(Date.now(), this.options.windowWaitMs);
      try {
        this.assertCanSend(command);
      } catch (error) {
        this.window.unreserve();
        throw error;
      }
    }
    const sequenceNumber = this.window.nextSequence();
    let buf: Buffer;
    try {
      buf = encodePdu({ command, sequenceNumber, fields: fields ?? {} } as OutgoingPdu);
    } catch (error) {
      if (windowed) this.window.unreserve();
      throw error;
    }
    const timeoutMs = opts.timeoutMs ?? this.options.responseTimeoutMs;
    return new Promise<RequestResult<C>>((resolve, reject) => {
      this.window.add({
        sequenceNumber,
        command,
        windowed,
        timeoutMs,
        deadlineMs: Date.now() + timeoutMs,
        resolve: resolve as (pdu: Pdu) => void,
        reject,
      });
      this.writer.write(buf);
    });
  }

  /** Client side: binds, and moves to `bound` on ESME_ROK; otherwise throws SmppBindError and stays open. */
  async bind(bindType: BindType, fields: Readonly<Partial<BindFields>>): Promise<void> {
    const response = await this.request(BIND_COMMAND_OF[bindType], fields);
    if (response.command === 'generic_nack' || response.commandStatus !== COMMAND_STATUS.ESME_ROK) {
      throw new SmppBindError(response.commandStatus || COMMAND_STATUS.ESME_RBINDFAIL);
    }
    if (this.stateValue.kind === 'open') this.setBound(bindType, fields.system_id ?? '');
  }

  /**
   * Graceful close: stop taking requests, wait for outstanding responses,
   * send unbind, wait for unbind_resp, close. Every wait is bounded by
   * unbindTimeoutMs in total. Never rejects.
   */
  async unbind(): Promise<void> {
    if (this.stateValue.kind === 'unbinding' || this.stateValue.kind === 'closed') {
      await this.closed;
      return;
    }
    if (this.stateValue.kind !== 'bound') {
      this.close();
      return;
    }
    const deadline = Date.now() + this.options.unbindTimeoutMs;
    this.stateValue = { kind: 'unbinding', initiatedBy: 'local', sinceMs: Date.now() };
    this.window.rejectWaiters(() => new SmppSessionClosedError('unbinding', false));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.window.drained(), new Promise((resolve) => (timer = setTimeout(resolve, this.options.unbindTimeoutMs)))]);
    clearTimeout(timer);
    await this.request('unbind', undefined, { timeoutMs: Math.max(1, deadline - Date.now()) }).catch(() => undefined);
    this.finish('unbound', undefined, true);
  }

  /** Closes now: queued writes are flushed, outstanding requests rejected (sent: unknown outcome). */
  close(reason: CloseReason = 'local', error?: Error): void {
    this.finish(reason, error, true);
  }

  private assertCanSend(command: AnsweredCommandName): void {
    const s = this.stateValue;
    if (s.kind === 'closed') throw new SmppSessionClosedError(s.reason, false);
    if (!mayRequest(command, s.kind)) throw new SmppStateError(command, s.kind);
  }

  private setBound(bindType: BindType, systemId: string): void {
    this.boundAs = { bindType, systemId };
    const state = { kind: 'bound', bindType, systemId, sinceMs: Date.now() } as const;
    this.stateValue = state;
    this.emit('bound', state);
  }

  private onData(chunk: Buffer): void {
    this.lastReceivedMs = Date.now();
    let frames: Buffer[];
    try {
      frames = this.framer.push(chunk);
    } catch (error) {
      this.logger?.warn({ err: error }, 'smpp framing error, closing');
      this.finish('framing-error', error as Error);
      return;
    }
    for (const frame of frames) {
      if (this.stateValue.kind === 'closed') return;
      // Responses go straight through (they only free our window); requests wait for a handler slot, in order.
      if (frame.readUInt32BE(4) & RESPONSE_BIT) this.onFrame(frame);
      else this.inbound.push(frame);
    }
    this.inbound.pump();
    this.updateReading();
  }

  private onFrame(frame: Buffer): void {
    if (this.stateValue.kind === 'closed') return;
    let pdu: Pdu;
    try {
      pdu = decodePdu(frame);
    } catch (error) {
      this.onDecodeError(error);
      return;
    }
    if (pdu.commandId & RESPONSE_BIT) this.onResponse(pdu);
    else this.onPeerRequest(pdu);
  }

  private onDecodeError(error: unknown): void {
    if (!isPduDecodeError(error) || !error.header) {
      this.finish('framing-error', error as Error);
      return;
    }
    this.emit('protocolError', error);
    this.logger?.warn({ err: error.message, status: error.commandStatus }, 'smpp malformed PDU');
    const { commandId, commandStatus, sequenceNumber } = error.header;
    if (commandId & RESPONSE_BIT) {
      this.window.take(sequenceNumber)?.reject(new SmppProtocolError(`malformed response: ${error.message}`, commandStatus));
      return;
    }
    // §4.3: generic_nack answers a PDU that does not parse; a known command with a bad field
    // value gets its own response carrying the status (e.g. submit_sm_resp ESME_RINVEXPIRY).
    const command = commandNameOf(commandId);
    const response = command && error.fault === 'value' ? responseCommandOf(command) : undefined;
    this.writePdu({ command: response ?? 'generic_nack', sequenceNumber, commandStatus: error.commandStatus } as OutgoingPdu);
  }

  private onResponse(pdu: Pdu): void {
    const request = this.window.take(pdu.sequenceNumber);
    if (!request) {
      this.emit('protocolError', new Error(`${pdu.command} seq ${pdu.sequenceNumber} answers no outstanding request`), pdu.command);
      return;
    }
    if (pdu.command !== 'generic_nack' && pdu.command !== `${request.command}_resp`) {
      request.reject(new SmppProtocolError(`${request.command} answered by ${pdu.command}`, pdu.commandStatus));
      return;
    }
    request.resolve(pdu);
  }

  private onPeerRequest(pdu: Pdu): void {
    const route = routePeerRequest(pdu.command, this.stateValue.kind);
    if (route.kind === 'answer') return this.answer(pdu, { commandStatus: route.commandStatus });
    if (route.kind === 'unbind') {
      this.answer(pdu, {});
      this.stateValue = { kind: 'unbinding', initiatedBy: 'peer', sinceMs: Date.now() };
      return this.finish('unbound', undefined, true);
    }
    if (!this.onRequest) {
      this.writePdu({ command: 'generic_nack', sequenceNumber: pdu.sequenceNumber, commandStatus: COMMAND_STATUS.ESME_RINVCMDID });
      return;
    }
    this.inbound.started();
    const done = (answer: RequestAnswer | null): void => {
      if (answer) this.answer(pdu, answer);
      this.inbound.finished();
      this.updateReading();
    };
    const failed = (error: unknown): void => {
      this.logger?.error({ err: error, command: pdu.command }, 'smpp request handler failed');
      done({ commandStatus: COMMAND_STATUS.ESME_RSYSERR });
    };
    try {
      const result = this.onRequest(pdu, this);
      if (result instanceof Promise) result.then(done, failed);
      else done(result);
    } catch (error) {
      failed(error);
    }
  }

  private answer(request: Pdu, answer: RequestAnswer): void {
    if (this.stateValue.kind === 'closed') return;
    const command = responseCommandOf(request.command);
    if (!command) return;
    const commandStatus = answer.commandStatus ?? COMMAND_STATUS.ESME_ROK;
    const sent = this.writePdu({ command, sequenceNumber: request.sequenceNumber, commandStatus, fields: answer.fields } as OutgoingPdu);
    if (!sent) this.writePdu({ command, sequenceNumber: request.sequenceNumber, commandStatus: COMMAND_STATUS.ESME_RSYSERR } as OutgoingPdu);
    else if (commandStatus === COMMAND_STATUS.ESME_ROK && isBindCommand(request.command) && this.stateValue.kind === 'open') {
      this.setBound(BIND_TYPE_OF[request.command], (request.fields as Readonly<BindFields>).system_id);
    }
  }

  /** Encodes and queues; false (and a log line) when the PDU is invalid. */
  private writePdu(pdu: OutgoingPdu): boolean {
    let buf: Buffer;
    try {
      buf = encodePdu(pdu);
    } catch (error) {
      this.logger?.error({ err: error, command: pdu.command }, 'smpp PDU not encodable');
      return false;
    }
    this.writer.write(buf);
    return true;
  }

  private updateReading(): void {
    // Queued requests up to inboundWindowSize keep reading going, so responses to our own requests still arrive.
    const pause = this.writer.blocked || this.inbound.backlog >= this.options.inboundWindowSize;
    if (pause === this.readingPaused || this.socket.destroyed) return;
    this.readingPaused = pause;
    if (pause) this.socket.pause();
    else this.socket.resume();
  }

  private sweep(): void {
    const now = Date.now();
    const expired = this.window.expire(now);
    if (expired.some((r) => r.command === 'enquire_link')) return this.finish('enquire-link-timeout');
    const s = this.stateValue;
    if (s.kind === 'open' && now - s.sinceMs >= this.options.bindTimeoutMs) return this.finish('bind-timeout');
    if (now - this.lastReceivedMs >= this.options.inactivityTimeoutMs) return this.finish('inactivity');
    if (s.kind === 'bound' && !this.enquireOutstanding && now - this.lastReceivedMs >= this.options.enquireLinkIntervalMs) {
      this.enquireOutstanding = true;
      this.request('enquire_link')
        .catch(() => undefined)
        .finally(() => (this.enquireOutstanding = false));
    }
  }

  private finish(reason: CloseReason, error?: Error, graceful = false): void {
    if (this.stateValue.kind === 'closed') return;
    this.stateValue = { kind: 'closed', reason, sinceMs: Date.now() };
    clearInterval(this.sweepTimer);
    this.window.rejectAll((sent): SmppSessionError => new SmppSessionClosedError(reason, sent));
    if (graceful && !this.socket.destroyed) {
      this.writer.flush();
      this.socket.end();
      setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
    } else {
      this.writer.discard();
      this.inbound.clear();
      this.socket.destroy();
    }
    const info: CloseInfo = { reason, ...(error ? { error } : {}), ...(this.boundAs ? { boundAs: this.boundAs } : {}) };
    this.logger?.info({ reason, err: error?.message }, 'smpp session closed');
    this.resolveClosed(info);
    this.emit('close', info);
  }
}
