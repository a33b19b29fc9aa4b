/**
 * The built-in SMSC simulator: our test carrier and the far end of the
 * throughput benchmarks. It binds anyone (or one configured system_id and
 * password), answers submit_sm with fresh ids, sends receipts after
 * dlrDelayMs with outcomes from rules or a seeded failRatio, records what
 * it received, and misbehaves on request (setBehaviour).
 *
 * Fast by construction: submit_sm is answered synchronously (the session
 * batches writes per event-loop turn), and receipts and delayed responses
 * go through queues with one timer each, never a timer per message.
 */
import { EventEmitter, once } from 'node:events';
import net from 'node:net';
import { encodeGsm7Unpacked, encodeUcs2, isGsm7 } from '../core/text';
import { COMMAND_STATUS, MAX_SHORT_MESSAGE_OCTETS, type Pdu, type ShortMessageFields, type Tlvs } from '../smpp/codec';
import { SmppSession, type RequestAnswer } from '../smpp/session';
import { ReceiptDispatcher } from './receipt-dispatcher';
import { seededRandom } from './seeded-random';
import { receiptFieldsOf, receivedSubmitOf, wantsReceipt } from './simulated-pdus';
import type {
  MoRequest,
  OutcomeRule,
  ReceivedSubmit,
  SimulatedStat,
  SimulatorBehaviour,
  SimulatorBehaviourName,
  SimulatorStats,
  SmscSimulatorEvents,
  SmscSimulatorOptions,
} from './simulator-types';
import { TimedQueue } from './timed-queue';

const SIMULATOR_SYSTEM_ID = 'smsgw-sim';

interface DelayedAnswer {
  readonly resolve: (answer: RequestAnswer) => void;
  readonly answer: RequestAnswer;
}

export class SmscSimulator extends EventEmitter<SmscSimulatorEvents> {
  readonly received: ReceivedSubmit[] = [];
  readonly stats: SimulatorStats = {
    binds: 0,
    bindsRefused: 0,
    submits: 0,
    submitsAccepted: 0,
    submitsRefused: 0,
    submitsUnanswered: 0,
    receiptsSent: 0,
    receiptsAcked: 0,
    receiptsRetried: 0,
    receiptsDropped: 0,
    moSent: 0,
  };
  private behaviourValue: SimulatorBehaviour;
  private rulesValue: readonly OutcomeRule[];
  private readonly server: net.Server;
  private readonly sessions = new Set<SmppSession>();
  private readonly random: () => number;
  private readonly receipts: ReceiptDispatcher;
  private readonly delayedAnswers: TimedQueue<DelayedAnswer>;
  private nextId: number;
  private nextBindId = 1;
  private readonly bindIds = new WeakMap<SmppSession, number>();
  private outstanding = 0;
  private peakOutstanding = 0;
  /** Sessions whose bind we accepted, by system_id (counted from the bind_resp, before 'bound' is seen). */
  private readonly admitted = new Map<SmppSession, string>();
  private peakBindsValue = 0;

  constructor(private readonly options: SmscSimulatorOptions = {}) {
    super();
    this.behaviourValue = options.behaviour ?? { kind: 'normal' };
    this.rulesValue = [...(options.rules ?? [])];
    this.random = seededRandom(options.seed ?? 1);
    this.nextId = 0x10000000 + Math.floor(this.random() * 0x0fffffff);
    this.receipts = new ReceiptDispatcher({
      dlrDelayMs: options.dlrDelayMs ?? 100,
      retryDelayMs: options.receiptRetryDelayMs ?? 1_000,
      maxAttempts: options.maxReceiptAttempts ?? 10,
      maxPending: options.maxPendingReceipts ?? 1_000_000,
      receiversOf: (systemId) => this.receiversOf(systemId),
      stats: this.stats,
      onResponse: (messageId, commandStatus) => this.emit('receiptResponse', { messageId, commandStatus }),
    });
    this.delayedAnswers = new TimedQueue((items) => {
      this.outstanding -= items.length;
      for (const d of items) d.resolve(d.answer);
    });
    this.server = net.createServer((socket) => this.accept(socket));
  }

  async start(): Promise<{ port: number }> {
    this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1');
    await once(this.server, 'listening');
    return { port: (this.server.address() as net.AddressInfo).port };
  }

  /** Closes every connection (without unbind) and stops listening. */
  async stop(): Promise<void> {
    this.receipts.stop();
    this.delayedAnswers.clear();
    for (const session of this.sessions) session.close();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  get behaviour(): SimulatorBehaviour {
    return this.behaviourValue;
  }

  /** Switches behaviour now; 'down' closes every connection at once. */
  setBehaviour(behaviour: SimulatorBehaviour | Exclude<SimulatorBehaviourName, 'reject'>): void {
    this.behaviourValue = typeof behaviour === 'string' ? { kind: behaviour } : behaviour;
    if (this.behaviourValue.kind === 'down') for (const session of this.sessions) session.close();
  }

  /** Unbinds every bound session as an SMSC does before maintenance (unbind, wait for unbind_resp, close). */
  async unbindAll(): Promise<void> {
    await Promise.all([...this.sessions].filter((s) => s.isBound).map((s) => s.unbind()));
  }

  setRules(rules: readonly OutcomeRule[]): void {
    this.rulesValue = [...rules];
  }

  /** Bound sessions, for tests ("both binds used") and the CLI. */
  get boundSessions(): number {
    return [...this.sessions].filter((s) => s.isBound).length;
  }

  /** Most binds one system_id held at once since the start (counted from each accepted bind). */
  get peakBinds(): number {
    return this.peakBindsValue;
  }

  /** submit_sm received and not yet answered (submitResponseDelayMs), now and at the peak. */
  get outstandingSubmits(): number {
    return this.outstanding;
  }

  get peakOutstandingSubmits(): number {
    return this.peakOutstanding;
  }

  get pendingReceipts(): number {
    return this.receipts.pending;
  }

  /** Resolves with the first `count` submits recorded from now on, or rejects after timeoutMs. */
  waitForSubmits(count: number, timeoutMs = 5_000): Promise<ReceivedSubmit[]> {
    const got: ReceivedSubmit[] = [];
    return new Promise((resolve, reject) => {
      const onSubmit = (s: ReceivedSubmit): void => {
        got.push(s);
        if (got.length >= count) finish();
      };
      const timer = setTimeout(() => {
        this.off('submit', onSubmit);
        reject(new Error(`only ${got.length} of ${count} submits within ${timeoutMs} ms`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.off('submit', onSubmit);
        resolve(got);
      };
      this.on('submit', onSubmit);
    });
  }

  /** Sends an MO deliver_sm (esm_class 0) to a bound receiver; resolves with the client's deliver_sm_resp status. */
  async sendMo(mo: MoRequest): Promise<number> {
    const session = [...this.sessions].find(
      (s) => s.state.kind === 'bound' && s.state.bindType !== 'transmitter' && (mo.systemId === undefined || s.state.systemId === mo.systemId),
    );
    if (!session) throw new Error('no receiver bind to deliver the MO message to');
    let octets = mo.shortMessage ?? Buffer.alloc(0);
    let dataCoding = mo.dataCoding ?? 0;
    if (!mo.shortMessage && mo.text !== undefined) {
      [octets, dataCoding] = isGsm7(mo.text) ? [encodeGsm7Unpacked(mo.text), 0] : [encodeUcs2(mo.text), 8];
    }
    const long = octets.length > MAX_SHORT_MESSAGE_OCTETS;
    const response = await session.request('deliver_sm', {
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: mo.from,
      destination_addr: mo.to,
      esm_class: mo.esmClass ?? 0,
      data_coding: dataCoding,
      short_message: long ? Buffer.alloc(0) : octets,
      ...(long ? { message_payload: octets } : {}),
    });
    this.stats.moSent++;
    return response.commandStatus;
  }

  private accept(socket: net.Socket): void {
    if (this.behaviourValue.kind === 'down') {
      socket.destroy();
      return;
    }
    const session = new SmppSession(socket, {
      ...this.options.session,
      windowSize: this.options.deliverWindowSize ?? 100,
      label: `sim ${socket.remoteAddress}:${socket.remotePort}`,
      ...(this.options.logger ? { logger: this.options.logger } : {}),
      onRequest: (pdu, s) => this.onRequest(pdu, s),
    });
    this.sessions.add(session);
    this.bindIds.set(session, this.nextBindId++);
    session.on('bound', (state) => {
      this.stats.binds++;
      this.emit('bind', { systemId: state.systemId, bindType: state.bindType });
      if (state.bindType !== 'transmitter') this.receipts.wake(state.systemId);
    });
    session.on('close', () => {
      this.sessions.delete(session);
      this.admitted.delete(session);
    });
  }

  private receiversOf(systemId: string): SmppSession[] {
    return [...this.sessions].filter((s) => s.state.kind === 'bound' && s.state.bindType !== 'transmitter' && s.state.systemId === systemId);
  }

  private onRequest(pdu: Pdu, session: SmppSession): RequestAnswer | null | Promise<RequestAnswer | null> {
    switch (pdu.command) {
      case 'bind_transmitter':
      case 'bind_receiver':
      case 'bind_transceiver':
        return this.onBind(pdu.fields.system_id, pdu.fields.password, session);
      case 'submit_sm':
        return this.onSubmit(pdu.fields, session);
      default:
        return { commandStatus: COMMAND_STATUS.ESME_RINVCMDID };
    }
  }

  private onBind(systemId: string, password: string, session: SmppSession): RequestAnswer {
    const { systemId: want, password: wantPassword, maxBindsPerSystemId } = this.options;
    const held = [...this.admitted.values()].filter((id) => id === systemId).length;
    const refused =
      want !== undefined && systemId !== want
        ? COMMAND_STATUS.ESME_RINVSYSID
        : wantPassword !== undefined && password !== wantPassword
          ? COMMAND_STATUS.ESME_RINVPASWD
          : maxBindsPerSystemId !== undefined && held >= maxBindsPerSystemId
            ? COMMAND_STATUS.ESME_RBINDFAIL
            : undefined;
    if (refused !== undefined) {
      this.stats.bindsRefused++;
      return { commandStatus: refused };
    }
    this.admitted.set(session, systemId);
    this.peakBindsValue = Math.max(this.peakBindsValue, held + 1);
    return { fields: { system_id: SIMULATOR_SYSTEM_ID } };
  }

  private onSubmit(f: Readonly<ShortMessageFields & Tlvs>, session: SmppSession): RequestAnswer | null | Promise<RequestAnswer> {
    this.stats.submits++;
    const behaviour = this.behaviourValue;
    let answer: RequestAnswer | null;
    let messageId: string | undefined;
    if (behaviour.kind === 'throttle') answer = { commandStatus: COMMAND_STATUS.ESME_RTHROTTLED };
    else if (behaviour.kind === 'reject') answer = { commandStatus: behaviour.commandStatus };
    else if (behaviour.kind === 'normal') {
      messageId = this.newMessageId();
      answer = { fields: { message_id: messageId } };
    } else answer = null;
    const systemId = session.state.kind === 'bound' ? session.state.systemId : '';
    const commandStatus = answer ? (answer.commandStatus ?? COMMAND_STATUS.ESME_ROK) : undefined;
    this.record(f, { systemId, bindId: this.bindIds.get(session) ?? 0, messageId, commandStatus });
    if (!answer) {
      this.stats.submitsUnanswered++;
      return null;
    }
    if (messageId === undefined) this.stats.submitsRefused++;
    else {
      this.stats.submitsAccepted++;
      this.scheduleReceipt(f, systemId, messageId);
    }
    const delayMs = this.options.submitResponseDelayMs ?? 0;
    if (delayMs <= 0) return answer;
    const ready = answer;
    this.peakOutstanding = Math.max(this.peakOutstanding, ++this.outstanding);
    return new Promise<RequestAnswer>((resolve) => this.delayedAnswers.push({ resolve, answer: ready }, delayMs));
  }

  private newMessageId(): string {
    const n = this.nextId++;
    return this.options.idStyle === 'decimal' ? String(n) : n.toString(16);
  }

  private record(f: Readonly<ShortMessageFields & Tlvs>, meta: Pick<ReceivedSubmit, 'systemId' | 'bindId' | 'messageId' | 'commandStatus'>): void {
    const limit = this.options.maxRecordedSubmits ?? 10_000;
    if (limit === 0 && this.listenerCount('submit') === 0) return;
    const submit = receivedSubmitOf(f, meta);
    if (limit > 0) {
      if (this.received.length >= limit) this.received.splice(0, Math.max(1, Math.floor(limit / 10)));
      this.received.push(submit);
    }
    this.emit('submit', submit);
  }

  private outcomeOf(destination: string): { stat: SimulatedStat; err: string } {
    const rule = this.rulesValue.find((r) => destination.startsWith(r.prefix));
    const stat: SimulatedStat = rule ? rule.stat : this.random() < (this.options.failRatio ?? 0) ? 'UNDELIV' : 'DELIVRD';
    return { stat, err: rule?.err ?? (stat === 'DELIVRD' ? '000' : '001') };
  }

  private scheduleReceipt(f: Readonly<ShortMessageFields & Tlvs>, systemId: string, messageId: string): void {
    if ((f.registered_delivery & 0x03) === 0) return;
    const outcome = this.outcomeOf(f.destination_addr);
    if (!wantsReceipt(f.registered_delivery, outcome.stat)) return;
    const now = new Date();
    const done = new Date(now.getTime() + (this.options.dlrDelayMs ?? 100));
    const form = { textId: this.receiptTextId(messageId), tlv: this.options.receiptedMessageIdTlv ?? true };
    this.receipts.schedule({ systemId, messageId, attempts: 0, fields: receiptFieldsOf(f, messageId, outcome, now, done, form) });
  }

  /** The id as the receipt text writes it (receiptIdStyle), from the id we handed out. */
  private receiptTextId(messageId: string): string {
    const style = this.options.receiptIdStyle ?? this.options.idStyle ?? 'hex';
    const answered = this.options.idStyle ?? 'hex';
    if (style === answered) return messageId;
    return style === 'decimal' ? String(parseInt(messageId, 16)) : Number(messageId).toString(16);
  }
}
