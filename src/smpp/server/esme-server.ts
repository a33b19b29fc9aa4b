/**
 * The SMPP server for customers' binds (DESIGN.md "SMPP server"): a TCP
 * listener and an optional TLS one, one SmppSession per connection. The
 * session answers enquire_link, unbind, generic_nack for what it cannot
 * decode, ESME_RALYBND and ESME_RINVBNDSTS before a bind; this module
 * decides who may bind and routes each request to its handler.
 *
 * Clean close: a closing session stops reading; answers already written
 * stay written, and a submit whose accept is still running completes its
 * accept (durable) even though its answer can no longer be sent — the
 * client retries, as with any lost response. Nothing acknowledged is lost.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import type { Logger } from '../../log';
import type { App } from '../../pipeline/types';
import { COMMAND_STATUS, type FieldsOf, type Pdu } from '../codec';
import { SmppSession, type RequestAnswer, type SmppSessionOptions } from '../session';
import type { BindAuthenticator } from './bind-authenticator';
import type { BindRegistry, ServerBindType } from './bind-registry';
import type { BindSlots } from './bind-slots';
import type { MessageOpsHandler } from './message-ops-handler';
import type { SubmitHandler } from './submit-handler';

/** system_id we answer binds with. */
export const SERVER_SYSTEM_ID = 'smsgw';

export interface EsmeServerDeps {
  readonly authenticator: BindAuthenticator;
  readonly slots: Pick<BindSlots, 'take' | 'release'>;
  readonly registry: BindRegistry;
  readonly submit: SubmitHandler;
  readonly ops: MessageOpsHandler;
  readonly maxBindsPerApp: number;
  /** Session tuning; onRequest, label and logger are set here. */
  readonly session?: Omit<SmppSessionOptions, 'onRequest' | 'label' | 'logger'>;
  /** Connections open at once (bound or not), at most; beyond that new sockets are closed. */
  readonly maxConnections?: number;
  /**
   * Connections open at once from one source address, at most (default 50); beyond that new
   * sockets from it are closed at once, so one host cannot hold the whole server with unbound
   * sockets. Unbound sockets also close after the session's bindTimeoutMs.
   */
  readonly maxConnectionsPerAddress?: number;
  readonly onSessionsChanged?: (bound: number) => void;
  readonly log?: Logger;
}

const BIND_TYPES: Readonly<Record<string, ServerBindType>> = {
  bind_transmitter: 'transmitter',
  bind_receiver: 'receiver',
  bind_transceiver: 'transceiver',
};

export class EsmeServer {
  private readonly servers: Server[] = [];
  private readonly sessions = new Set<SmppSession>();
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly deps: EsmeServerDeps) {}

  get connectionCount(): number {
    return this.sessions.size;
  }

  /** Listens on plain TCP; resolves with the bound port (0 picks a free one). */
  listen(port: number, host: string): Promise<number> {
    return this.serve(createServer((socket) => this.attach(socket)), port, host);
  }

  /** Listens for SMPP over TLS with the given certificate and key (PEM). */
  listenTls(port: number, host: string, tls: Pick<TlsOptions, 'cert' | 'key'>): Promise<number> {
    const server = createTlsServer({ ...tls, minVersion: 'TLSv1.2' }, (socket) => this.attach(socket));
    // A client that fails the handshake is only that client's problem.
    server.on('tlsClientError', (error) => this.deps.log?.debug({ err: error.message }, 'smpp tls handshake failed'));
    return this.serve(server, port, host);
  }

  /** Takes one connected socket (tests may hand sockets in directly). */
  attach(socket: Socket): void {
    socket.on('error', () => undefined); // the session reports it; never an uncaught error
    const address = socket.remoteAddress ?? 'unknown';
    const fromAddress = this.perAddress.get(address) ?? 0;
    if (this.sessions.size >= (this.deps.maxConnections ?? 10_000) || fromAddress >= (this.deps.maxConnectionsPerAddress ?? 50)) {
      socket.destroy();
      return;
    }
    this.perAddress.set(address, fromAddress + 1);
    const session: SmppSession = new SmppSession(socket, {
      windowSize: 100,
      inboundWindowSize: 500,
      responseTimeoutMs: 10_000,
      ...this.deps.session,
      label: `esme ${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
      ...(this.deps.log ? { logger: this.deps.log } : {}),
      onRequest: (pdu) => this.onRequest(pdu, session, address),
    });
    this.sessions.add(session);
    session.on('bound', () => this.deps.onSessionsChanged?.(this.deps.registry.size));
    void session.closed.then(() => {
      this.sessions.delete(session);
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
      const bind = this.deps.registry.remove(session);
      if (bind) void this.deps.slots.release(bind.id);
      this.deps.onSessionsChanged?.(this.deps.registry.size);
    });
  }

  /** Unbinds every session (bounded by the session's unbindTimeoutMs), then stops listening. */
  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))).concat([...this.sessions].map((s) => s.unbind())));
  }

  private serve(server: Server, port: number, host: string): Promise<number> {
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        server.on('error', (error) => this.deps.log?.error({ err: error }, 'smpp listener error'));
        resolve((server.address() as AddressInfo).port);
      });
    });
  }

  private async onRequest(pdu: Pdu, session: SmppSession, address: string): Promise<RequestAnswer> {
    if (pdu.command === 'bind_transmitter' || pdu.command === 'bind_receiver' || pdu.command === 'bind_transceiver') {
      return this.bind(pdu.fields, BIND_TYPES[pdu.command]!, session, address);
    }
    const bind = this.deps.registry.of(session);
    if (!bind) return { commandStatus: COMMAND_STATUS.ESME_RINVBNDSTS };
    const canSubmit = bind.bindType !== 'receiver';
    switch (pdu.command) {
      case 'submit_sm':
        return canSubmit ? this.deps.submit.submitSm(bind.app, pdu.fields) : { commandStatus: COMMAND_STATUS.ESME_RINVBNDSTS };
      case 'submit_multi':
        return canSubmit ? this.deps.submit.submitMulti(bind.app, pdu.fields) : { commandStatus: COMMAND_STATUS.ESME_RINVBNDSTS };
      case 'query_sm':
        return canSubmit ? this.deps.ops.querySm(bind.app, pdu.fields) : { commandStatus: COMMAND_STATUS.ESME_RINVBNDSTS };
      case 'cancel_sm':
        return canSubmit ? this.deps.ops.cancelSm(bind.app, pdu.fields) : { commandStatus: COMMAND_STATUS.ESME_RINVBNDSTS };
      case 'replace_sm':
        return canSubmit ? this.deps.ops.replaceSm(bind.app, pdu.fields) : { commandStatus: COMMAND_STATUS.ESME_RINVBNDSTS };
      default:
        // deliver_sm, data_sm, ... from a client: known PDUs we do not serve.
        return { commandStatus: COMMAND_STATUS.ESME_RINVCMDID };
    }
  }

  private async bind(f: Readonly<FieldsOf<'bind_transceiver'>>, bindType: ServerBindType, session: SmppSession, address: string): Promise<RequestAnswer> {
    const verdict = await this.deps.authenticator.authenticate(address, f.system_id, f.password);
    if (!verdict.ok) {
      if (verdict.delayMs > 0) await new Promise((r) => setTimeout(r, verdict.delayMs));
      this.deps.log?.info({ systemId: f.system_id, address, status: verdict.commandStatus }, 'smpp bind refused');
      return { commandStatus: verdict.commandStatus };
    }
    // The session may have closed (or bound) while we checked the password.
    if (session.state.kind !== 'open') return { commandStatus: COMMAND_STATUS.ESME_RALYBND };
    const app: App = verdict.app;
    const id = randomUUID();
    if (!(await this.deps.slots.take(app.id, id, this.deps.maxBindsPerApp))) {
      this.deps.log?.info({ appId: app.id, address }, 'smpp bind refused: bind limit');
      return { commandStatus: COMMAND_STATUS.ESME_RBINDFAIL };
    }
    if (session.state.kind !== 'open') {
      void this.deps.slots.release(id);
      return { commandStatus: COMMAND_STATUS.ESME_RBINDFAIL };
    }
    if (this.deps.registry.of(session)) {
      void this.deps.slots.release(id); // two binds raced on one session: the first one won
      return { commandStatus: COMMAND_STATUS.ESME_RALYBND };
    }
    this.deps.registry.add({ id, app, bindType, session });
    this.deps.log?.info({ appId: app.id, bindType, address }, 'smpp bound');
    return { fields: { system_id: SERVER_SYSTEM_ID } };
  }
}
