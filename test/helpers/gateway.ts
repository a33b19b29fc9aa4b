/**
 * A whole gateway in-process for integration tests: its own database (a
 * clone of the template), its own queue prefix, HTTP on port 0 and the
 * built-in simulator on port 0. Everything is real: PostgreSQL, Redis,
 * BullMQ workers, SMPP sockets.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/env';
import { startGateway, type Gateway, type GatewayOptions } from '../../src/gateway';
import { createLogger } from '../../src/log';
import { createTestDatabase, dropTestDatabase } from './db';
import { deleteKeys } from './redis-keys';

export { eventually } from './wait';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestGateway {
  readonly gw: Gateway;
  readonly base: string;
  readonly prefix: string;
  /** The SMPP server's port (smpp role), 127.0.0.1. */
  readonly smppPort: number;
  /** Operator call (Bearer ADMIN_TOKEN). */
  admin(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  /** Application call (HTTP Basic appId:secret). */
  asApp(creds: AppCreds, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  /** An account credited with `credit` and an app on it. */
  customer(credit: number, app?: Record<string, unknown>): Promise<{ accountId: string; creds: AppCreds }>;
  /** keepData: leave the database and the queue keys for a gateway started with `joinOf` and `takeOver` (a restart). */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export interface AppCreds {
  readonly appId: string;
  readonly secret: string;
  readonly smppSystemId: string;
  readonly smppPassword: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
  readonly headers: Headers;
}

export async function request(base: string, method: string, path: string, init: { body?: unknown; headers?: Record<string, string>; raw?: string } = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  let body: string | undefined;
  if (init.raw !== undefined) body = init.raw;
  else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${base}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

export function basic(creds: { appId: string; secret: string }): string {
  return `Basic ${Buffer.from(`${creds.appId}:${creds.secret}`).toString('base64')}`;
}

export interface TestGatewayOptions extends GatewayOptions {
  readonly env?: Record<string, string>;
  /** Join another test gateway's database and queues (a second process of the same deployment). */
  readonly joinOf?: TestGateway;
  /** With joinOf: this gateway owns the database and keys from now on (its stop drops them): a restart. */
  readonly takeOver?: boolean;
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const database = options.joinOf
    ? { url: options.joinOf.gw.config.databaseUrl, drop: async () => (options.takeOver ? dropTestDatabase(options.joinOf!.gw.config.databaseUrl) : undefined) }
    : await createTestDatabase();
  const prefix = options.joinOf?.prefix ?? `t${randomBytes(5).toString('hex')}`;
  const config = loadConfig({
    DATABASE_URL: database.url,
    QUEUE_PREFIX: prefix,
    HTTP_PORT: '0',
    SMPP_PORT: '0',
    HOST: '127.0.0.1',
    SIMULATOR: '1',
    SIMULATOR_PORT: '0',
    SIMULATOR_PRICE: '5',
    ADMIN_TOKEN,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ACCEPT_BATCH_WAIT_MS: '2',
    ...options.env,
  });
  const gw = await startGateway(config, createLogger(config.logLevel), { retryBaseDelayMs: 50, ...options });
  const base = `http://127.0.0.1:${gw.httpPort}`;
  const admin = (method: string, path: string, body?: unknown) =>
    request(base, method, path, { body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const asApp = (creds: AppCreds, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    request(base, method, path, { body, headers: { authorization: basic(creds), ...headers } });
  return {
    gw,
    base,
    prefix,
    smppPort: gw.smppPort ?? 0,
    admin,
    asApp,
    async customer(credit, app = {}) {
      const account = await admin('POST', '/api/v1/accounts', { name: `acct-${randomBytes(3).toString('hex')}` });
      if (credit > 0) await admin('POST', `/api/v1/accounts/${account.body.id}/credit`, { amount: credit });
      const created = await admin('POST', `/api/v1/accounts/${account.body.id}/apps`, { name: 'app', throughputPerSecond: 10_000, ...app });
      if (created.status !== 201) throw new Error(`app creation failed: ${JSON.stringify(created.body)}`);
      return { accountId: account.body.id, creds: created.body };
    },
    async stop(stopOptions = {}) {
      await gw.stop();
      if (stopOptions.keepData) return;
      if (options.joinOf && !options.takeOver) return; // the first gateway owns the database and the keys
      await deleteKeys(config.redisUrl, `{${prefix}}*`);
      await database.drop();
    },
  };
}

/** The smsgw_smpp_sessions{side="server"} gauge: customer binds currently bound. */
export async function serverSessions(t: TestGateway): Promise<number> {
  const metric = await t.gw.metrics.smppSessions.get();
  return metric.values.find((v) => v.labels.side === 'server')?.value ?? 0;
}
