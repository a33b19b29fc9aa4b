/**
 * The `smpp` role: the customer-facing SMPP server, its receipt reader and
 * the reassembly sweeper, built from what gateway.ts hands in. Returns the
 * listening ports and one stop() that unbinds clients and ends the loops.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Config } from '../../config/env';
import type { Logger } from '../../log';
import type { Metrics } from '../../metrics/registry';
import type { Finalized } from '../../pipeline/types';
import { BindAuthenticator, type BindCredentialSource } from './bind-authenticator';
import { BindRegistry } from './bind-registry';
import { BindSlots } from './bind-slots';
import { ConcatSweeper } from './concat-sweeper';
import { EsmeDelivery } from './esme-delivery';
import { EsmeServer } from './esme-server';
import { MessageOpsHandler } from './message-ops-handler';
import type { AcceptPort, ConcatPort, MessageOpsPort, RoutingPort, ThrottlePort } from './ports';
import { SubmitHandler } from './submit-handler';
import type { LoginGuardOptions } from './login-guard';
import { LoginGuard } from './login-guard';

/** Timings tests shorten; production uses the defaults. */
export interface SmppRoleTuning {
  /** deliver_sm_resp wait, ms (default 10 s). */
  readonly deliverResponseTimeoutMs?: number;
  /** An unacknowledged receipt is retried after this long, ms (default 15 s). */
  readonly deliverRetryAfterMs?: number;
  /** Concatenated parts wait this long for the rest, ms (default 5 minutes). */
  readonly concatTimeoutMs?: number;
  readonly concatSweepIntervalMs?: number;
  /** Concatenated messages one app may have in reassembly (default 1,000). */
  readonly maxPendingConcatPerApp?: number;
  /** Longest wait for an accept before ESME_RMSGQFUL, ms (default 3 s). */
  readonly acceptTimeoutMs?: number;
  readonly loginGuard?: LoginGuardOptions;
  /** Overrides SMPP_IDLE_TIMEOUT_S (tests use under a second), ms. */
  readonly idleTimeoutMs?: number;
  /** Cached successful password checks live this long, ms (default 60 s). */
  readonly authCacheTtlMs?: number;
  /** Connections from one source address at once (default 50). */
  readonly maxConnectionsPerAddress?: number;
  /** A connection not bound this long after it opened is closed, ms (default 30 s). */
  readonly bindTimeoutMs?: number;
}

export interface SmppRoleDeps extends SmppRoleTuning {
  readonly config: Config;
  readonly log: Logger;
  /** The shared non-blocking connection (bind slots, outbox acks). */
  readonly redis: Redis;
  readonly apps: BindCredentialSource;
  readonly acceptor: AcceptPort;
  readonly throttle: ThrottlePort;
  readonly routing: RoutingPort;
  readonly concat: ConcatPort;
  readonly messages: MessageOpsPort;
  readonly onFinalized: (finalized: readonly Finalized[]) => Promise<void>;
  readonly metrics: Metrics;
  readonly tls: { cert: Buffer; key: Buffer } | undefined;
  /** Per-account rate overrides for submissions (see SubmitDeps.pricing). */
  readonly pricing?: (accountId: string) => Promise<((to: string) => number | undefined) | undefined>;
}

export async function startSmppRole(d: SmppRoleDeps): Promise<{ port: number; tlsPort: number | undefined; stop: () => Promise<void> }> {
  const keyPrefix = `{${d.config.queuePrefix}}`;
  const now = () => new Date();
  const registry = new BindRegistry();
  const slots = new BindSlots(d.redis, keyPrefix);
  const idleMs = d.idleTimeoutMs ?? d.config.smppIdleTimeoutSeconds * 1000;
  const server = new EsmeServer({
    authenticator: new BindAuthenticator(d.apps, { guard: new LoginGuard(d.loginGuard), cacheTtlMs: d.authCacheTtlMs }),
    slots,
    registry,
    submit: new SubmitHandler({
      acceptor: d.acceptor,
      throttle: d.throttle,
      routing: d.routing,
      concat: d.concat,
      defaultValiditySeconds: d.config.defaultValiditySeconds,
      now,
      acceptTimeoutMs: d.acceptTimeoutMs ?? 3_000,
      maxPendingConcatPerApp: d.maxPendingConcatPerApp ?? 1_000,
      ...(d.pricing ? { pricing: d.pricing } : {}),
      onAccepted: (count, latency) => {
        d.metrics.messagesAccepted.inc({ channel: 'smpp' }, count);
        d.metrics.acceptLatency.observe({ channel: 'smpp' }, latency);
      },
    }),
    ops: new MessageOpsHandler({ store: d.messages, routing: d.routing, defaultValiditySeconds: d.config.defaultValiditySeconds, now, onFinalized: d.onFinalized }),
    maxBindsPerApp: d.config.smppMaxBindsPerApp,
    session: {
      inactivityTimeoutMs: idleMs,
      enquireLinkIntervalMs: Math.max(100, Math.floor(idleMs / 3)),
      ...(d.bindTimeoutMs !== undefined ? { bindTimeoutMs: d.bindTimeoutMs } : {}),
    },
    ...(d.maxConnectionsPerAddress !== undefined ? { maxConnectionsPerAddress: d.maxConnectionsPerAddress } : {}),
    onSessionsChanged: (bound) => d.metrics.smppSessions.set({ side: 'server' }, bound),
    log: d.log,
  });
  d.metrics.smppSessions.set({ side: 'server' }, 0);

  const reader = new Redis(d.config.redisUrl, { maxRetriesPerRequest: null });
  reader.on('error', (error) => d.log.debug({ err: error }, 'redis esme reader connection error'));
  const delivery = new EsmeDelivery({
    redis: reader,
    commandRedis: d.redis,
    keyPrefix,
    consumer: randomUUID(),
    binds: registry,
    log: d.log,
    ...(d.deliverResponseTimeoutMs ? { responseTimeoutMs: d.deliverResponseTimeoutMs } : {}),
    ...(d.deliverRetryAfterMs ? { retryAfterMs: d.deliverRetryAfterMs } : {}),
  });
  const sweeper = new ConcatSweeper({
    store: d.concat,
    timeoutMs: d.concatTimeoutMs,
    intervalMs: d.concatSweepIntervalMs,
    defaultValiditySeconds: d.config.defaultValiditySeconds,
    onFinalized: d.onFinalized,
    log: d.log,
  });
  const stop = async () => {
    await server.stop();
    await Promise.all([delivery.stop(), sweeper.stop()]);
    slots.close();
    reader.disconnect();
  };
  try {
    const port = await server.listen(d.config.smppPort, d.config.host);
    const tlsPort = d.tls && d.config.smppTls ? await server.listenTls(d.config.smppTls.port, d.config.host, d.tls) : undefined;
    delivery.start();
    return { port, tlsPort, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
