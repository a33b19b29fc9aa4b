/**
 * The environment, parsed once at boot and frozen. This module is the only
 * reader of process.env; everything else receives a Config.
 */
import { z } from 'zod';

const ROLES = ['api', 'smpp', 'workers'] as const;
export type Role = (typeof ROLES)[number];

const port = z.coerce
  .number({ invalid_type_error: 'must be a port number' })
  .int('must be an integer')
  .min(0, 'must be 0..65535')
  .max(65535, 'must be 0..65535');

const flag = z
  .enum(['0', '1', 'true', 'false'], { message: 'must be 0 or 1' })
  .transform((v) => v === '1' || v === 'true');

const url = (protocols: readonly string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL (${protocols.join(' or ')})` },
  );

const schema = z.object({
  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/smsgw'),
  /**
   * Optional: the database owner's URL, used only to create the database and run the migrations
   * (DDL), so DATABASE_URL can name a role with data rights only (`npm run db:roles`).
   */
  MIGRATION_DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  HTTP_PORT: port.default(8080),
  SMPP_PORT: port.default(2775),
  /** SMPP over TLS for customer binds; off unless set (then SMPP_TLS_CERT and SMPP_TLS_KEY are required). */
  SMPP_TLS_PORT: port.optional(),
  /** PEM certificate (chain) and private key files for SMPP_TLS_PORT. */
  SMPP_TLS_CERT: z.string().min(1).optional(),
  SMPP_TLS_KEY: z.string().min(1).optional(),
  /** Concurrent binds one app may hold across all edge processes. */
  SMPP_MAX_BINDS_PER_APP: z.coerce.number().int().min(1).max(1000).default(10),
  /** A bind that receives nothing for this long is unbound, seconds. */
  SMPP_IDLE_TIMEOUT_S: z.coerce.number().int().min(5).max(3600).default(120),
  HOST: z.string().min(1, 'must not be empty').default('0.0.0.0'),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  GATEWAY_ROLES: z
    .string()
    .default('api,smpp,workers')
    .transform((raw, ctx) => {
      const roles = raw.split(',').map((r) => r.trim()).filter(Boolean);
      const bad = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
      if (bad.length > 0 || roles.length === 0) {
        ctx.addIssue({ code: 'custom', message: `must be a comma list of ${ROLES.join(', ')} (got "${raw}")` });
        return z.NEVER;
      }
      return [...new Set(roles)] as Role[];
    }),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 of A-Z a-z 0-9 _ -').default('smsgw'),
  SIMULATOR: flag.default('0'),
  SIMULATOR_PORT: port.default(2776),
  /** Price per message part of the simulator's seeded catch-all route, minor units. */
  SIMULATOR_PRICE: z.coerce.number().int().min(0).default(5),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Longest time an accept micro-batch waits to fill, milliseconds. */
  ACCEPT_BATCH_WAIT_MS: z.coerce.number().int().min(0).max(1000).default(5),
  /** Most submissions in one accept micro-batch (one multi-row insert, one job). */
  ACCEPT_BATCH_MAX: z.coerce.number().int().min(1).max(5000).default(500),
  /** Concurrent jobs per worker queue in this process. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  /** Concurrent express-lane dispatch jobs in this process (its own worker slots); default WORKER_CONCURRENCY. */
  DISPATCH_EXPRESS_CONCURRENCY: z.coerce.number().int().min(1).max(256).optional(),
  /**
   * BullMQ job lock and stalled-job check, milliseconds: a job whose worker died (or lost its
   * Redis connection mid-job) runs again within about twice this.
   */
  WORKER_STALLED_MS: z.coerce.number().int().min(1000).max(300_000).default(30_000),
  /**
   * Life of a carrier bind-slot lease, milliseconds (renewed every quarter of it): how long the
   * slots of a workers process that died stay unbound before the other processes take them.
   */
  CARRIER_BIND_LEASE_MS: z.coerce.number().int().min(1000).max(300_000).default(10_000),
  /** Default validity of a message when the client gives none, seconds. */
  DEFAULT_VALIDITY_S: z.coerce.number().int().min(60).max(7 * 86400).default(86400),
  /** A held message no reviewer decided within this many seconds is rejected (REVIEW_TIMEOUT). */
  HELD_REVIEW_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(7 * 86400).default(14_400),
  /** Attempts per status callback or MO webhook before it is dead-lettered. */
  CALLBACK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  /** One callback POST's timeout, milliseconds. */
  CALLBACK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** Notify jobs one workers process runs at once (POSTs are I/O: more than WORKER_CONCURRENCY). */
  CALLBACK_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(32),
  /** Concurrent callback POSTs to one host per process; further ones are deferred, never waited for. */
  CALLBACK_HOST_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(8),
  /** How stale the balance, credit limit, rates and quotas accept checks may be, milliseconds. */
  BILLING_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
  /** HS256 key of users' access tokens; unset = derived from ADMIN_TOKEN (HKDF), which every process shares. */
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Lifetime of a user's access token, seconds. */
  ACCESS_TOKEN_TTL_S: z.coerce.number().int().min(60).max(86400).default(900),
  /** Lifetime of a user's refresh token (each use rotates it), seconds. */
  REFRESH_TOKEN_TTL_S: z.coerce.number().int().min(300).max(365 * 86400).default(30 * 86400),
  /** Messages (with their events and parts) older than this many days are dropped by monthly partition; 0 keeps them forever. */
  MESSAGE_RETENTION_DAYS: z.coerce.number().int().min(0).max(36500).default(0),
  /** How often the retention job runs (creates next months' partitions, drops expired ones), seconds. */
  RETENTION_INTERVAL_S: z.coerce.number().int().min(10).max(7 * 86400).default(3600),
  /** 'production' stops the gateway from logging password-reset tokens (there is no mailer). */
  NODE_ENV: z.string().optional(),
});

export type Config = Readonly<{
  databaseUrl: string;
  /** Migrations (and database creation) run with this URL when set, else with databaseUrl. */
  migrationDatabaseUrl: string | undefined;
  redisUrl: string;
  httpPort: number;
  smppPort: number;
  smppTls: Readonly<{ port: number; certFile: string; keyFile: string }> | undefined;
  smppMaxBindsPerApp: number;
  smppIdleTimeoutSeconds: number;
  host: string;
  adminToken: string | undefined;
  roles: readonly Role[];
  queuePrefix: string;
  simulator: boolean;
  simulatorPort: number;
  simulatorPrice: number;
  logLevel: string;
  acceptBatchWaitMs: number;
  acceptBatchMax: number;
  workerConcurrency: number;
  dispatchExpressConcurrency: number;
  workerStalledMs: number;
  carrierBindLeaseMs: number;
  defaultValiditySeconds: number;
  heldReviewTimeoutSeconds: number;
  callbackMaxAttempts: number;
  callbackTimeoutMs: number;
  callbackConcurrency: number;
  callbackHostConcurrency: number;
  billingCacheMs: number;
  jwtSecret: string | undefined;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  messageRetentionDays: number;
  retentionIntervalSeconds: number;
  /** NODE_ENV is not 'production': password-reset tokens are logged (no mailer). */
  development: boolean;
}>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** A copy of the whole environment, for a launcher handing it on to its child processes. */
export function environmentCopy(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Parses the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset", as in most .env tooling.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(`invalid ${name}: ${issue?.message ?? 'bad value'}`);
  }
  const e = parsed.data;
  if (e.SMPP_TLS_PORT !== undefined && (!e.SMPP_TLS_CERT || !e.SMPP_TLS_KEY)) {
    throw new ConfigError(`invalid ${e.SMPP_TLS_CERT ? 'SMPP_TLS_KEY' : 'SMPP_TLS_CERT'}: required when SMPP_TLS_PORT is set`);
  }
  return Object.freeze({
    databaseUrl: e.DATABASE_URL,
    migrationDatabaseUrl: e.MIGRATION_DATABASE_URL,
    redisUrl: e.REDIS_URL,
    httpPort: e.HTTP_PORT,
    smppPort: e.SMPP_PORT,
    smppTls:
      e.SMPP_TLS_PORT !== undefined && e.SMPP_TLS_CERT && e.SMPP_TLS_KEY
        ? Object.freeze({ port: e.SMPP_TLS_PORT, certFile: e.SMPP_TLS_CERT, keyFile: e.SMPP_TLS_KEY })
        : undefined,
    smppMaxBindsPerApp: e.SMPP_MAX_BINDS_PER_APP,
    smppIdleTimeoutSeconds: e.SMPP_IDLE_TIMEOUT_S,
    host: e.HOST,
    adminToken: e.ADMIN_TOKEN,
    roles: Object.freeze([...e.GATEWAY_ROLES]),
    queuePrefix: e.QUEUE_PREFIX,
    simulator: e.SIMULATOR,
    simulatorPort: e.SIMULATOR_PORT,
    simulatorPrice: e.SIMULATOR_PRICE,
    logLevel: e.LOG_LEVEL,
    acceptBatchWaitMs: e.ACCEPT_BATCH_WAIT_MS,
    acceptBatchMax: e.ACCEPT_BATCH_MAX,
    workerConcurrency: e.WORKER_CONCURRENCY,
    dispatchExpressConcurrency: e.DISPATCH_EXPRESS_CONCURRENCY ?? e.WORKER_CONCURRENCY,
    workerStalledMs: e.WORKER_STALLED_MS,
    carrierBindLeaseMs: e.CARRIER_BIND_LEASE_MS,
    defaultValiditySeconds: e.DEFAULT_VALIDITY_S,
    heldReviewTimeoutSeconds: e.HELD_REVIEW_TIMEOUT_SECONDS,
    callbackMaxAttempts: e.CALLBACK_MAX_ATTEMPTS,
    callbackTimeoutMs: e.CALLBACK_TIMEOUT_MS,
    callbackConcurrency: e.CALLBACK_CONCURRENCY,
    callbackHostConcurrency: e.CALLBACK_HOST_CONCURRENCY,
    billingCacheMs: e.BILLING_CACHE_MS,
    jwtSecret: e.JWT_SECRET,
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_S,
    refreshTokenTtlSeconds: e.REFRESH_TOKEN_TTL_S,
    messageRetentionDays: e.MESSAGE_RETENTION_DAYS,
    retentionIntervalSeconds: e.RETENTION_INTERVAL_S,
    development: e.NODE_ENV !== 'production',
  });
}
