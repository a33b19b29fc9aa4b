/**
 * submit_sm and submit_multi into the shared accept path (channel 'smpp'):
 * the same prepareSubmission, throttle and Acceptor as POST /api/v1/messages.
 * The answer goes out only once the message is durable; submit_sm_resp's
 * message_id is the gateway message id.
 *
 * Concatenated parts (inbound-text.ts) are reassembled: each part is stored
 * durably (ConcatPort) and answered with the id of the message the group
 * becomes; the part that completes the group accepts the whole text, billed
 * per outbound part like any message. If that accept fails, the completing
 * part is forgotten and answered with the error, so the client may resend it.
 */
import { GatewayError } from '../../core/errors';
import { newMessageId } from '../../core/id';
import { prepareSubmission, type Submission } from '../../pipeline/prepare-submission';
import type { App, NewMessage } from '../../pipeline/types';
import { COMMAND_STATUS, type FieldsOf, type UnsuccessSme } from '../codec';
import type { RequestAnswer } from '../session';
import { commandStatusOf } from './command-status-map';
import { decodeInboundText, refusalStatus, scheduleDeliveryTime, SmppRefusal, validitySeconds, type ConcatHeader } from './inbound-text';
import type { AcceptPort, ConcatPort, ConcatSubmission, RoutingPort, ThrottlePort } from './ports';

/** Parts of one inbound concatenated message, at most (the outbound limit is checked on the whole text). */
export const MAX_INBOUND_PARTS = 16;

export interface SubmitDeps {
  readonly acceptor: AcceptPort;
  readonly throttle: ThrottlePort;
  readonly routing: RoutingPort;
  readonly concat: ConcatPort;
  readonly defaultValiditySeconds: number;
  readonly now: () => Date;
  /** Longest wait for the accept to be durable before answering ESME_RMSGQFUL, ms. */
  readonly acceptTimeoutMs: number;
  /** Concatenated messages one app may have in reassembly. */
  readonly maxPendingConcatPerApp: number;
  readonly onAccepted: (count: number, latencySeconds: number) => void;
  /** The account's price per part when it overrides the route's (rate overrides; absent: route prices). */
  readonly pricing?: (accountId: string) => Promise<((to: string) => number | undefined) | undefined>;
}

type SubmitFields = Readonly<FieldsOf<'submit_sm'>>;
type MultiFields = Readonly<FieldsOf<'submit_multi'>>;

function ok(messageId: string, extra: Record<string, unknown> = {}): RequestAnswer {
  return { fields: { message_id: messageId, ...extra } };
}

function failure(error: unknown): RequestAnswer {
  return { commandStatus: refusalStatus(error) ?? commandStatusOf(error) };
}

export class SubmitHandler {
  constructor(private readonly deps: SubmitDeps) {}

  async submitSm(app: App, f: SubmitFields): Promise<RequestAnswer> {
    const started = process.hrtime.bigint();
    try {
      const now = this.deps.now();
      const common = this.common(f, now);
      const content = decodeInboundText(f);
      const to = f.destination_addr;
      const partPrice = await this.deps.pricing?.(app.accountId);
      if (content.concat) return await this.part(app, f, common, to, content.text, content.concat, started, partPrice);
      const messages = this.prepare(app, { ...common, to: [to], text: content.text }, now, partPrice);
      this.throttle(app, 1);
      await this.accept(messages, started);
      return ok(messages[0]!.id);
    } catch (error) {
      return failure(error);
    }
  }

  async submitMulti(app: App, f: MultiFields): Promise<RequestAnswer> {
    const started = process.hrtime.bigint();
    try {
      const now = this.deps.now();
      const common = this.common(f, now);
      const content = decodeInboundText(f);
      if (content.concat) throw new SmppRefusal(COMMAND_STATUS.ESME_RINVESMCLASS, 'concatenated parts are not taken in submit_multi');
      if (f.dest_address.length === 0) throw new SmppRefusal(COMMAND_STATUS.ESME_RINVNUMDESTS, 'no destination');
      const partPrice = await this.deps.pricing?.(app.accountId);
      const accepted: NewMessage[] = [];
      const unsuccess: UnsuccessSme[] = [];
      for (const d of f.dest_address) {
        const address = { dest_addr_ton: d.dest_addr_ton ?? 0, dest_addr_npi: d.dest_addr_npi ?? 0, destination_addr: d.destination_addr ?? d.dl_name ?? '' };
        if (d.dl_name !== undefined) {
          unsuccess.push({ ...address, error_status_code: COMMAND_STATUS.ESME_RINVDLNAME });
          continue;
        }
        try {
          accepted.push(...this.prepare(app, { ...common, to: [address.destination_addr], text: content.text }, now, partPrice));
        } catch (error) {
          unsuccess.push({ ...address, error_status_code: refusalStatus(error) ?? commandStatusOf(error) });
        }
      }
      if (accepted.length === 0) return { commandStatus: unsuccess[0]?.error_status_code ?? COMMAND_STATUS.ESME_RINVNUMDESTS };
      // One id answers the whole submission; every message keeps it as its reference, and receipts carry it.
      const submissionId = accepted[0]!.id;
      const messages = accepted.map((m) => ({ ...m, reference: submissionId }));
      this.throttle(app, messages.length);
      await this.accept(messages, started);
      return ok(submissionId, { unsuccess_sme: unsuccess });
    } catch (error) {
      return failure(error);
    }
  }

  private common(f: SubmitFields | MultiFields, now: Date): Omit<Submission, 'to' | 'text'> {
    const scheduleAt = scheduleDeliveryTime(f.schedule_delivery_time, now);
    return {
      from: f.source_addr === '' ? null : f.source_addr,
      registeredDelivery: (f.registered_delivery & 0x03) !== 0,
      validitySeconds: validitySeconds(f.validity_period, now, scheduleAt ?? now),
      ...(scheduleAt ? { scheduleAt } : {}),
      priority: f.priority_flag >= 2 ? 'express' : 'normal',
    };
  }

  private prepare(app: App, submission: Submission, now: Date, partPrice?: (to: string) => number | undefined): NewMessage[] {
    return prepareSubmission(submission, {
      app,
      channel: 'smpp',
      routing: this.deps.routing.table(),
      now,
      defaultValiditySeconds: this.deps.defaultValiditySeconds,
      ...(partPrice ? { partPrice } : {}),
    });
  }

  private throttle(app: App, count: number): void {
    const verdict = this.deps.throttle.take(app.id, app.throughputPerSecond, count);
    if (!verdict.allowed) throw new GatewayError('THROTTLED', undefined, { limit: app.throughputPerSecond }, verdict.retryAfterSeconds);
  }

  /** The shared accept, bounded: a database or queue that does not answer is ESME_RMSGQFUL, never a hang. */
  private async accept(messages: readonly NewMessage[], started: bigint): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new GatewayError('QUEUE_UNAVAILABLE', 'accept did not complete in time')), this.deps.acceptTimeoutMs);
    });
    try {
      await Promise.race([this.deps.acceptor.accept(messages), timeout]);
    } finally {
      clearTimeout(timer);
    }
    this.deps.onAccepted(messages.length, Number(process.hrtime.bigint() - started) / 1e9);
  }

  private async part(
    app: App,
    f: SubmitFields,
    common: Omit<Submission, 'to' | 'text'>,
    to: string,
    text: string,
    concat: ConcatHeader,
    started: bigint,
    partPrice?: (to: string) => number | undefined,
  ): Promise<RequestAnswer> {
    if (concat.total > MAX_INBOUND_PARTS) throw new GatewayError('MESSAGE_TOO_LONG', `at most ${MAX_INBOUND_PARTS} parts`);
    const now = this.deps.now();
    // Validates the addresses and the route before anything is stored.
    const [probe] = this.prepare(app, { ...common, to: [to], text }, now, partPrice);
    this.throttle(app, 1);
    const submission: ConcatSubmission = {
      accountId: app.accountId,
      callbackUrl: app.callbackUrl,
      to: probe!.to,
      from: common.from ?? null,
      registeredDelivery: common.registeredDelivery ?? true,
      validitySeconds: common.validitySeconds ?? null,
      priority: common.priority ?? 'normal',
      ...(common.scheduleAt ? { scheduleAt: common.scheduleAt.toISOString() } : {}),
    };
    const stored = await this.deps.concat
      .addPart({
        appId: app.id,
        groupKey: `${f.source_addr}|${probe!.to}|${concat.kind}:${concat.reference}|${concat.total}`,
        total: concat.total,
        seq: concat.seq,
        text,
        submission,
        newMessageId: newMessageId(now.getTime()),
        maxPendingGroups: this.deps.maxPendingConcatPerApp,
      })
      .catch((error: unknown) => {
        throw new GatewayError('QUEUE_UNAVAILABLE', undefined, { cause: String(error) });
      });
    if (stored.kind === 'full') throw new GatewayError('QUEUE_UNAVAILABLE', 'too many concatenated messages in reassembly');
    if (!stored.complete) return ok(stored.messageId);
    try {
      const s = stored.submission;
      const [message] = this.prepare(
        app,
        {
          to: [s.to],
          from: s.from,
          text: stored.complete.join(''),
          registeredDelivery: s.registeredDelivery,
          validitySeconds: s.validitySeconds,
          priority: s.priority,
          ...(s.scheduleAt ? { scheduleAt: new Date(s.scheduleAt) } : {}),
        },
        now,
        partPrice,
      );
      await this.accept([{ ...message!, id: stored.messageId }], started);
    } catch (error) {
      await this.deps.concat.removePart(stored.messageId, concat.seq).catch(() => undefined);
      throw error;
    }
    await this.deps.concat.markJoined(stored.messageId).catch(() => undefined); // the sweeper finishes it otherwise
    return ok(stored.messageId);
  }
}
