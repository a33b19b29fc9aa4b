/**
 * The binds this process holds, by app: who may receive deliver_sm
 * (receiver and transceiver binds), spread round-robin, and a signal when
 * the set of apps with such binds changes (the receipt reader follows it).
 */
import type { SmppSession } from '../session';
import type { App } from '../../pipeline/types';

export type ServerBindType = 'transmitter' | 'receiver' | 'transceiver';

export interface BindContext {
  readonly id: string;
  readonly app: App;
  readonly bindType: ServerBindType;
  readonly session: SmppSession;
}

export class BindRegistry {
  private readonly bySession = new Map<SmppSession, BindContext>();
  private readonly receivers = new Map<string, BindContext[]>();
  private readonly cursor = new Map<string, number>();
  private waiters: Array<() => void> = [];

  get size(): number {
    return this.bySession.size;
  }

  of(session: SmppSession): BindContext | undefined {
    return this.bySession.get(session);
  }

  all(): BindContext[] {
    return [...this.bySession.values()];
  }

  add(bind: BindContext): void {
    this.bySession.set(bind.session, bind);
    if (bind.bindType !== 'transmitter') {
      this.receivers.set(bind.app.id, [...(this.receivers.get(bind.app.id) ?? []), bind]);
      this.notify();
    }
  }

  remove(session: SmppSession): BindContext | undefined {
    const bind = this.bySession.get(session);
    if (!bind) return undefined;
    this.bySession.delete(session);
    const list = (this.receivers.get(bind.app.id) ?? []).filter((b) => b !== bind);
    if (list.length > 0) this.receivers.set(bind.app.id, list);
    else if (this.receivers.delete(bind.app.id)) this.notify();
    return bind;
  }

  /** Apps with at least one receiver or transceiver bind here. */
  receiverApps(): string[] {
    return [...this.receivers.keys()];
  }

  /** The next bound receiver/transceiver session of the app (round-robin), or undefined. */
  nextReceiver(appId: string): SmppSession | undefined {
    const list = (this.receivers.get(appId) ?? []).filter((b) => b.session.isBound);
    if (list.length === 0) return undefined;
    const i = ((this.cursor.get(appId) ?? -1) + 1) % list.length;
    this.cursor.set(appId, i);
    return list[i]!.session;
  }

  /** Resolves when the set of receiver apps changes, or after timeoutMs. */
  changed(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.push(done);
    });
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
