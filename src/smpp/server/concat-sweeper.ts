/**
 * Ends concatenated messages whose parts stopped coming: every
 * `intervalMs`, groups in reassembly for longer than `timeoutMs` become
 * `rejected` messages (reason INCOMPLETE_CONCAT, never charged) holding the
 * parts that did arrive, so the id the client was given has a message, a
 * status and (when asked for) a REJECTD receipt. Safe to run in every edge
 * process at once (the store takes groups with SKIP LOCKED).
 */
import { measureText } from '../../core/text';
import type { Logger } from '../../log';
import type { Finalized, NewMessage } from '../../pipeline/types';
import type { ConcatPort } from './ports';

export const INCOMPLETE_CONCAT = 'INCOMPLETE_CONCAT';

export interface ConcatSweeperOptions {
  readonly store: ConcatPort;
  /** Reassembly timeout, ms (default 5 minutes). */
  readonly timeoutMs?: number;
  /** How often to look, ms (default 10 s). */
  readonly intervalMs?: number;
  readonly defaultValiditySeconds: number;
  readonly onFinalized: (finalized: readonly Finalized[]) => Promise<void>;
  readonly log?: Logger;
}

export class ConcatSweeper {
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> | undefined;

  constructor(private readonly o: ConcatSweeperOptions) {
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .then(() => undefined)
        .catch((error: unknown) => this.o.log?.warn({ err: error }, 'concat sweep failed'))
        .finally(() => (this.running = undefined));
    }, o.intervalMs ?? 10_000);
    this.timer.unref();
  }

  async sweep(): Promise<number> {
    const groups = await this.o.store.takeExpired(this.o.timeoutMs ?? 5 * 60_000, 500);
    if (groups.length === 0) return 0;
    const messages: NewMessage[] = groups.map((g) => {
      const text = g.texts.join('');
      const measured = measureText(text);
      const s = g.submission;
      return {
        id: g.messageId,
        accountId: s.accountId,
        appId: g.appId,
        channel: 'smpp',
        to: s.to,
        from: s.from,
        text,
        encoding: measured.encoding,
        parts: measured.parts,
        price: 0,
        priority: s.priority,
        reference: null,
        callbackUrl: s.callbackUrl,
        registeredDelivery: s.registeredDelivery,
        validUntil: new Date(g.createdAt.getTime() + (s.validitySeconds ?? this.o.defaultValiditySeconds) * 1000),
      };
    });
    const finalized = await this.o.store.insertRejected(messages, INCOMPLETE_CONCAT);
    await this.o.onFinalized(finalized);
    return finalized.length;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
