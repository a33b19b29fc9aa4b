/**
 * query_sm, cancel_sm and replace_sm on messages the app submitted.
 * query_sm answers from the message's status; cancel_sm and replace_sm work
 * only while no carrier can have the message (see EsmeMessageStore).
 * Only single messages are addressed (by message_id); cancel_sm's "every
 * message from source to destination" form (empty message_id) is refused.
 */
import { GatewayError } from '../../core/errors';
import { isMessageId } from '../../core/id';
import { MESSAGE_STATE } from '../../core/receipt';
import type { MessageStatus } from '../../core/lifecycle';
import { CANCELLED } from '../../pipeline/esme-notify';
import { prepareSubmission } from '../../pipeline/prepare-submission';
import type { App, Finalized } from '../../pipeline/types';
import { COMMAND_STATUS, type FieldsOf } from '../codec';
import type { RequestAnswer } from '../session';
import { commandStatusOf } from './command-status-map';
import { decodeInboundText, refusalStatus, smppTime, validitySeconds } from './inbound-text';
import type { MessageOpsPort, RoutingPort } from './ports';

/** Message status -> SMPP message_state (§5.2.28). A cancelled message reads DELETED. */
export const MESSAGE_STATE_OF: Readonly<Record<MessageStatus, number>> = {
  accepted: MESSAGE_STATE.ENROUTE,
  held: MESSAGE_STATE.ENROUTE,
  queued: MESSAGE_STATE.ENROUTE,
  submitted: MESSAGE_STATE.ENROUTE,
  delivered: MESSAGE_STATE.DELIVERED,
  undelivered: MESSAGE_STATE.UNDELIVERABLE,
  failed: MESSAGE_STATE.UNDELIVERABLE,
  expired: MESSAGE_STATE.EXPIRED,
  rejected: MESSAGE_STATE.REJECTED,
};

export interface MessageOpsDeps {
  readonly store: MessageOpsPort;
  readonly routing: RoutingPort;
  readonly defaultValiditySeconds: number;
  readonly now: () => Date;
  /** Metrics, status callbacks and the ESME receipt of a cancelled message. */
  readonly onFinalized: (finalized: readonly Finalized[]) => Promise<void>;
}

const FINAL: ReadonlySet<MessageStatus> = new Set(['delivered', 'undelivered', 'expired', 'failed', 'rejected']);

/** Addresses compare without '+', spaces or dashes; an empty one matches anything. */
function sameAddress(given: string, stored: string | null): boolean {
  const norm = (s: string) => s.replace(/[+\s-]/g, '');
  return given === '' || stored === null || norm(given) === norm(stored);
}

export class MessageOpsHandler {
  constructor(private readonly deps: MessageOpsDeps) {}

  async querySm(app: App, f: Readonly<FieldsOf<'query_sm'>>): Promise<RequestAnswer> {
    try {
      const m = isMessageId(f.message_id) ? await this.deps.store.find(app.id, f.message_id) : undefined;
      if (!m || !sameAddress(f.source_addr, m.from)) return { commandStatus: COMMAND_STATUS.ESME_RQUERYFAIL };
      const state = m.status === 'rejected' && m.errorCode === CANCELLED ? MESSAGE_STATE.DELETED : MESSAGE_STATE_OF[m.status];
      const errorCode = m.errorCode && /^\d{1,3}$/.test(m.errorCode) ? Number(m.errorCode) : 0;
      return {
        fields: { message_id: m.id, final_date: FINAL.has(m.status) ? smppTime(m.updatedAt) : '', message_state: state, error_code: errorCode },
      };
    } catch (error) {
      return { commandStatus: commandStatusOf(error) };
    }
  }

  async cancelSm(app: App, f: Readonly<FieldsOf<'cancel_sm'>>): Promise<RequestAnswer> {
    try {
      if (!isMessageId(f.message_id)) return { commandStatus: COMMAND_STATUS.ESME_RINVMSGID };
      const found = await this.deps.store.find(app.id, f.message_id);
      if (!found || !sameAddress(f.source_addr, found.from) || (f.destination_addr !== '' && !sameAddress(f.destination_addr, found.to))) {
        return { commandStatus: COMMAND_STATUS.ESME_RCANCELFAIL };
      }
      const result = await this.deps.store.cancel(app.id, f.message_id, CANCELLED);
      if (result.kind !== 'done') return { commandStatus: COMMAND_STATUS.ESME_RCANCELFAIL };
      await this.deps.onFinalized([result.value]).catch(() => undefined);
      return {};
    } catch (error) {
      return { commandStatus: commandStatusOf(error) };
    }
  }

  /**
   * The new short_message is read with the message's own alphabet: UCS-2 if
   * it was UCS-2, else GSM (data_coding 0), since replace_sm has no
   * data_coding. registered_delivery and a non-empty validity_period replace
   * the stored ones; price follows the new part count (refused when already
   * charged and the price would change).
   */
  async replaceSm(app: App, f: Readonly<FieldsOf<'replace_sm'>>): Promise<RequestAnswer> {
    try {
      if (!isMessageId(f.message_id)) return { commandStatus: COMMAND_STATUS.ESME_RINVMSGID };
      if (f.schedule_delivery_time !== '') return { commandStatus: COMMAND_STATUS.ESME_RINVSCHED };
      const now = this.deps.now();
      const validity = validitySeconds(f.validity_period, now);
      const result = await this.deps.store.replace(app.id, f.message_id, (current) => {
        if (!sameAddress(f.source_addr, current.from)) throw new GatewayError('NOT_FOUND');
        const { text } = decodeInboundText({ short_message: f.short_message, message_payload: f.message_payload, data_coding: current.encoding === 'ucs2' ? 8 : 0 });
        const [m] = prepareSubmission(
          { to: [current.to], from: current.from, text, validitySeconds: validity ?? 1, registeredDelivery: (f.registered_delivery & 0x03) !== 0 },
          { app, channel: 'smpp', routing: this.deps.routing.table(), now, defaultValiditySeconds: this.deps.defaultValiditySeconds },
        );
        return {
          text,
          encoding: m!.encoding,
          parts: m!.parts,
          price: m!.price,
          validUntil: validity === null ? current.validUntil : m!.validUntil,
          registeredDelivery: m!.registeredDelivery,
        };
      });
      if (result.kind === 'done') return {};
      if (result.kind === 'not-found') return { commandStatus: COMMAND_STATUS.ESME_RINVMSGID };
      return { commandStatus: COMMAND_STATUS.ESME_RREPLACEFAIL };
    } catch (error) {
      const status = refusalStatus(error) ?? commandStatusOf(error);
      return { commandStatus: status === COMMAND_STATUS.ESME_RINVMSGID ? COMMAND_STATUS.ESME_RREPLACEFAIL : status };
    }
  }
}
