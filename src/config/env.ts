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
  /**
   * BullMQ job lock and stalled-job check, milliseconds: a job whose worker died (or lost its
   * Redis connection mid-job) runs again within about twice this.
   */
  WORKER_STALLED_MS: z.coerce.number().int().min(1000).max(300_000).default(30_000),
  /** Default validity of a message when the client gives none, seconds. */
  DEFAULT_VALIDITY_S: z.coerce.number().int().min(60).max(7 * 86400).default(86400),
});

export type Config = Readonly<{
  databaseUrl: string;
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
  workerStalledMs: number;
  defaultValiditySeconds: number;
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
    workerStalledMs: e.WORKER_STALLED_MS,
    defaultValiditySeconds: e.DEFAULT_VALIDITY_S,
  });
}
