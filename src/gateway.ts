/**
 * The composition root: config -> dependencies -> the roles in
 * GATEWAY_ROLES. main.ts calls it for the process; integration tests call
 * it to run a whole gateway in-process on ports 0 with their own database
 * and queue prefix.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import { Redis } from 'ioredis';
import type { Config } from './config/env';
import type { CarrierConfig } from './carriers/types';
import { AccountStore } from './db/account-store';
import { AppStore } from './db/app-store';
import { ConcatStore } from './db/concat-store';
import { PgDeadLetterStore } from './db/dead-letter-store';
import { EsmeMessageStore } from './db/esme-message-store';
import { createDb, ensureDatabase, migrate, type Db } from './db/knex';
import { MessageQueries } from './db/message-queries';
import { MessageStore } from './db/message-store';
import { RoutingStore } from './db/routing-store';
import { SecretBox } from './db/secret-box';
import { createIdentity } from './auth/identity';
import { AppAuthenticator } from './http/auth';
import { createPolicy } from './gateway-policy';
import type { CarrierSide, CarrierTuning } from './gateway-carriers';
import { startWorkersRole } from './gateway-workers';
import { batchApi } from './gateway-campaigns';
import { buildApp } from './http/build-app';
import type { ApiDeps } from './http/deps';
import type { Logger } from './log';
import { createMetrics, type Metrics } from './metrics/registry';
import { Acceptor } from './pipeline/accept';
import { discardDeadLetter, requeueDeadLetter } from './pipeline/dead-letters';
import { createBillingWiring } from './gateway-billing';
import { esmeReceipts } from './pipeline/esme-notify';
import { statusCallbacks } from './pipeline/notify';
import { AppThrottle } from './pipeline/throttle';
import type { Finalized } from './pipeline/types';
import { LiveRouting } from './routing/live-routing';
import { SmscSimulator } from './simulator/smsc-simulator';
import { RedisEsmeOutbox } from './smpp/server/esme-outbox';
import { startSmppRole, type SmppRoleTuning } from './smpp/server/smpp-role';
import { CarrierStateBoard } from './workers/carrier-state';
import { StatsCounterBoard } from './workers/stats-board';
import { readStatsCounters } from './metrics/stats-counters';
import { BullStageQueues, queuePrefix } from './workers/stage-queues';
import { bullBoardRouter } from './workers/bull-board';
import { RedisCarrierPauses } from './workers/carrier-pauses';
import { QueueMonitor } from './workers/queue-monitor';
import { ReportQueries } from './db/report-queries';
import { RollupStore } from './db/rollup-store';
import { ADMIN_QUEUES_PATH } from './http/build-app';

export interface Gateway {
  readonly config: Config;
  readonly adminToken: string;
  readonly httpPort: number;
  readonly simulator: SmscSimulator | undefined;
  readonly simulatorPort: number | undefined;
  /** Customer SMPP binds (smpp role); the TLS port when SMPP_TLS_PORT is set. */
  readonly smppPort: number | undefined;
  readonly smppTlsPort: number | undefined;
  readonly db: Db;
  readonly metrics: Metrics;
  readonly demo: { appId: string; secret: string } | undefined;
  /** The express application (tests walk its routes: test/integration/operations/roles-matrix.test.ts). */
  readonly httpApp: Express;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  /** Receives password-reset tokens (tests); default: logged outside production (src/auth/identity.ts). */
  readonly deliverPasswordReset?: (email: string, token: string) => void;
  /** Seeds a "demo" account and app (and rotates the app's secret) for the printed curl example. */
  readonly seedDemo?: boolean;
  /** Options for the in-process simulator (tests force outcomes). */
  readonly simulatorOptions?: ConstructorParameters<typeof SmscSimulator>[0];
  /** Faster retries for tests. */
  readonly retryBaseDelayMs?: number;
  /** A client must send its request headers within this (default 10 s; slow-loris defence). */
  readonly httpHeadersTimeoutMs?: number;
  /** SMPP server timings for tests (receipt retry, reassembly timeout, ...). */
  readonly smpp?: SmppRoleTuning;
  /** Carrier timings, breaker and throttle pause (tests shorten them). */
  readonly carriers?: CarrierTuning;
  /** Dispatch's delays when no carrier can take a message, ms (defaults 250 and 15_000). */
  readonly dispatchWait?: { readonly baseDelayMs?: number; readonly maxDelayMs?: number };
  /** How often the validity sweep runs, ms (default 5_000). */
  readonly sweepIntervalMs?: number;
  /** How often the report rollup runs, ms (default 60_000). */
  readonly rollupIntervalMs?: number;
  /** How often GET /api/v1/queues samples the queues for rates and backlog growth, ms (default 15_000). */
  readonly queueSampleIntervalMs?: number;
  /** How often a workers process re-reads operator carrier pauses from Redis, ms (default 250). */
  readonly carrierPauseRefreshMs?: number;
  /** How often a workers process checks that Redis still holds its queues, ms (default 1_000). */
  readonly queueLossCheckMs?: number;
}

const SIMULATOR_CARRIER = 'simulator';

export async function startGateway(config: Config, log: Logger, options: GatewayOptions = {}): Promise<Gateway> {
  const adminToken = config.adminToken ?? randomBytes(24).toString('base64url');
  const roles = new Set(config.roles);
  const metrics = createMetrics();
  const stops: Array<() => Promise<void> | void> = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await Promise.resolve(fn()).catch((error: unknown) => log.warn({ err: error }, 'error while stopping'));
  };

  try {
    await ensureDatabase(config.migrationDatabaseUrl ?? config.databaseUrl);
    const db = createDb(config.databaseUrl, roles.has('workers') ? 20 : 10, (message) => log.debug({ module: 'db' }, message));
    stops.push(() => db.destroy());
    if (config.migrationDatabaseUrl) {
      // DDL as the schema's owner; the process itself runs with DATABASE_URL's data-only role.
      const owner = createDb(config.migrationDatabaseUrl, 1, (message) => log.debug({ module: 'db' }, message));
      try {
        await migrate(owner);
      } finally {
        await owner.destroy();
      }
    } else await migrate(db);

    // Producer connection: fail fast while Redis is down, so ingress answers 503 instead of hanging.
    const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
    redis.on('error', (error) => log.debug({ err: error }, 'redis connection error'));
    await redis.connect();
    stops.push(() => void redis.disconnect());

    const box = await SecretBox.load(db);
    const accounts = new AccountStore(db);
    const apps = new AppStore(db, box);
    const routingStore = new RoutingStore(db);
    const messageStore = new MessageStore(db);
    const queues = new BullStageQueues(redis, config.queuePrefix, (error) => log.debug({ err: error }, 'redis queue connection error'));
    stops.push(() => queues.close());
    const esmeOutbox = new RedisEsmeOutbox(redis, queuePrefix(config.queuePrefix));
    // Rates, credit limits, quotas, idempotency, MO routing, callback dead letters (issue 7).
    const billing = createBillingWiring({
      config,
      db,
      redis,
      keyPrefix: queuePrefix(config.queuePrefix),
      messageStore,
      queues,
      outbox: esmeOutbox,
      metrics,
      log: log.child({ module: 'billing' }),
    });
    const board = new CarrierStateBoard(redis, `${queuePrefix(config.queuePrefix)}:carrier-state`);
    // Every process publishes its stats counters; the stats stream sums them (edge and workers may be apart).
    const processId = randomUUID();
    const statsBoard = new StatsCounterBoard(redis, `${queuePrefix(config.queuePrefix)}:stats-counters`);
    stops.push(statsBoard.startPublishing(processId, () => readStatsCounters(metrics), 1_000, (error) => log.debug({ err: error }, 'stats counters not published')));
    const carrierPauses = new RedisCarrierPauses(redis, queuePrefix(config.queuePrefix), options.carrierPauseRefreshMs);
    const rollupStore = new RollupStore(db);
    const reportQueries = new ReportQueries(db);
    if (roles.has('workers')) {
      await carrierPauses.start();
      stops.push(() => carrierPauses.stop());
    }

    let simulator: SmscSimulator | undefined;
    let simulatorPort: number | undefined;
    if (config.simulator) {
      simulator = new SmscSimulator({ port: config.simulatorPort, ...options.simulatorOptions });
      simulatorPort = (await simulator.start()).port;
      stops.push(() => simulator!.stop());
      await seedSimulator(routingStore, simulatorPort, config.simulatorPrice);
    }

    let carrierSide: CarrierSide | undefined;
    const routing = new LiveRouting<CarrierConfig>(
      routingStore,
      (carriers) => carrierSide?.sync(carriers),
      (error) => log.warn({ err: error }, 'routing reload failed'),
    );
    await routing.start();
    stops.push(() => routing.stop());

    const onFinalized = async (finalized: readonly Finalized[]) => {
      for (const f of finalized) {
        metrics.messagesFinal.inc({ status: f.status });
        if (f.refunded > 0) metrics.billingRefunded.inc(f.refunded);
        if (f.status === 'delivered') metrics.deliveryLatency.observe((f.at.getTime() - f.message.createdAt.getTime()) / 1000);
      }
      const callbacks = statusCallbacks(finalized);
      if (callbacks.length > 0) await queues.callbacks(`notify:${randomUUID()}`, callbacks);
      // Receipts for SMPP submissions go to the app's stream; an edge process holding a bind of the app sends them.
      await esmeOutbox.publish(esmeReceipts(finalized));
    };

    // Content rules, held review, templates (issue 7).
    const policy = createPolicy({
      db,
      redis,
      keyPrefix: queuePrefix(config.queuePrefix),
      log,
      queues,
      onFinalized,
      onCharged: (amount) => metrics.billingCharged.inc(amount),
      heldTimeoutSeconds: config.heldReviewTimeoutSeconds,
    });
    stops.push(() => policy.stop());
    if (roles.has('workers')) await policy.startRules();
    if (roles.has('api')) await policy.startTemplates();

    const deadLetters = new PgDeadLetterStore(db);
    const deadLetterDeps = { store: deadLetters, finalizer: messageStore, queues, onFinalized };

    if (roles.has('workers')) {
      carrierSide = await startWorkersRole({
        config, options, log, metrics, db, redis, queues, billing, routing, board, processId, carrierPauses,
        messageStore, deadLetters, policy, onFinalized, apps, rollupStore, stops,
      });
    }

    const acceptor = new Acceptor({
      // Balances (plus credit limits) come from a cache: no database round trip on the hot path.
      store: billing.acceptStore,
      quota: billing.quota,
      idempotency: billing.idempotency,
      queues,
      maxBatchItems: config.acceptBatchMax,
      maxBatchWaitMs: config.acceptBatchWaitMs,
    });
    stops.push(() => acceptor.drain());

    let demo: Gateway['demo'];
    if (options.seedDemo) demo = await seedDemo(accounts, apps);

    // One throughput bucket per app, whichever channel its messages come by.
    const throttle = new AppThrottle();
    let api: ApiDeps | undefined;
    let queueMonitor: QueueMonitor | undefined;
    if (roles.has('api')) {
      queueMonitor = new QueueMonitor(queues.queues, carrierPauses, {
        ...(options.queueSampleIntervalMs !== undefined ? { sampleIntervalMs: options.queueSampleIntervalMs } : {}),
      });
      queueMonitor.start();
      stops.push(() => queueMonitor?.stop());
      api = {
        accounts,
        apps,
        routingStore,
        routing,
        carrierStates: () => board.read(),
        deadLetters: {
          list: (o) => deadLetters.list(o),
          requeue: (id) => requeueDeadLetter(id, deadLetterDeps),
          discard: (id) => discardDeadLetter(id, deadLetterDeps),
        },
        messages: new MessageQueries(db),
        balances: messageStore,
        billing: billing.api,
        acceptor,
        throttle,
        authenticator: new AppAuthenticator(apps),
        identity: createIdentity({
          db,
          apps,
          config,
          adminToken,
          log: log.child({ module: 'auth' }),
          ...(options.deliverPasswordReset ? { deliverPasswordReset: options.deliverPasswordReset } : {}),
        }),
        defaultValiditySeconds: config.defaultValiditySeconds,
        batches: batchApi({ db, queues, balances: billing.acceptStore.balances, quota: billing.quota, onFinalized, metrics }),
        policy: policy.api,
        now: () => new Date(),
        queueControl: queueMonitor,
        reports: { totals: (q) => reportQueries.totals(q), rolledAt: () => rollupStore.rolledAt() },
        metricsAccepted: (count, latency) => {
          metrics.messagesAccepted.inc({ channel: 'http' }, count);
          metrics.acceptLatency.observe({ channel: 'http' }, latency);
        },
      };
    }
    let smpp: { port: number; tlsPort: number | undefined } | undefined;
    if (roles.has('smpp')) {
      const role = await startSmppRole({
        config,
        log: log.child({ module: 'smpp-server' }),
        redis,
        apps,
        acceptor,
        throttle,
        routing,
        concat: new ConcatStore(db),
        messages: new EsmeMessageStore(db),
        onFinalized,
        metrics,
        pricing: billing.pricing,
        tls: config.smppTls ? { cert: readFileSync(config.smppTls.certFile), key: readFileSync(config.smppTls.keyFile) } : undefined,
        ...options.smpp,
      });
      stops.push(() => role.stop());
      smpp = { port: role.port, tlsPort: role.tlsPort };
    }

    const app = buildApp({
      log,
      adminToken,
      metrics,
      api,
      ...(api ? { adminQueuesPage: bullBoardRouter(Object.values(queues.queues), ADMIN_QUEUES_PATH) } : {}),
      readiness: async () => {
        await withTimeout(db.raw('SELECT 1'), 1000, 'postgresql');
        await withTimeout(redis.ping(), 1000, 'redis');
      },
      clusterCounters: async () => {
        const counters = await statsBoard.read();
        counters.set(processId, await readStatsCounters(metrics)); // our own, fresher than the published copy
        return counters;
      },
      collectMetrics: async () => {
        for (const { queue, state, count } of await queues.counts()) metrics.queueJobs.set({ queue, state }, count);
        metrics.queueJobs.set({ queue: 'dlq', state: 'waiting' }, await deadLetters.depth());
      },
    });
    // Slow clients are cut off: headers within httpHeadersTimeoutMs, the whole request within 30 s.
    const server: Server = createServer(
      {
        headersTimeout: options.httpHeadersTimeoutMs ?? 10_000,
        requestTimeout: 30_000,
        keepAliveTimeout: 65_000,
        connectionsCheckingInterval: 1_000,
      },
      app,
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.httpPort, config.host, () => resolve());
    });
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const httpPort = (server.address() as AddressInfo).port;
    log.info({ httpPort, smppPort: smpp?.port, smppTlsPort: smpp?.tlsPort, roles: [...roles], simulatorPort }, 'smsgw started');
    return { config, adminToken, httpPort, simulator, simulatorPort, smppPort: smpp?.port, smppTlsPort: smpp?.tlsPort, db, metrics, demo, httpApp: app, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The simulator is the default carrier: upserted at its current port, with a catch-all route when there is no routing table yet. */
async function seedSimulator(routingStore: RoutingStore, port: number, price: number): Promise<void> {
  await routingStore.saveCarrier(
    { name: SIMULATOR_CARRIER, host: '127.0.0.1', port, systemId: 'smsgw', password: 'smsgw', binds: 2, window: 100 },
    true,
  );
  const routes = await routingStore.routes();
  if (routes.length === 0) await routingStore.replaceRoutes([{ prefix: '', carriers: [SIMULATOR_CARRIER], price }]);
}

const DEMO_CREDIT = 100_000;

async function seedDemo(accounts: AccountStore, apps: AppStore): Promise<{ appId: string; secret: string }> {
  let account = await accounts.findByName('demo');
  if (!account) {
    account = await accounts.create('demo');
    await accounts.credit(account.id, DEMO_CREDIT, 'demo credit');
  }
  const existing = await apps.findByName(account.id, 'demo');
  if (existing) return { appId: existing.id, secret: await apps.rotateSecret(existing.id) };
  const created = await apps.create({ accountId: account.id, name: 'demo' });
  return { appId: created.app.id, secret: created.secret };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    }),
  ]);
}
