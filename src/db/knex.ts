/**
 * The database handle. No code relies on session state (temporary tables,
 * session variables), so PgBouncer in transaction mode works in front.
 */
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import * as initial from './migrations/001-initial';
import * as smppConcat from './migrations/002-smpp-concat';
import * as carriers from './migrations/003-carriers';
import * as audit from './migrations/004-audit';
import * as policy from './migrations/005-policy';
import * as billingMo from './migrations/006-billing-mo';
import * as operations from './migrations/007-operations';
import * as users from './migrations/008-users';
import * as partitions from './migrations/009-partitions';
import * as campaigns from './migrations/010-campaigns';
import * as dispatchCaps from './migrations/011-dispatch-caps';
import * as retentionIndexes from './migrations/012-retention-indexes';

// bigint (int8) columns are money and counts: parse to number. Values stay
// far below 2^53 minor units; parseSafeInteger throws rather than round.
pg.types.setTypeParser(20, (value: string) => parseSafeInteger(value));

function parseSafeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${value} exceeds the safe integer range`);
  return n;
}

export type Db = Knex;

/**
 * `onWarn` hears knex's own warnings (by default printed to the console: one stack trace per
 * failed connection attempt, over a thousand a second while PostgreSQL is away).
 */
export function createDb(databaseUrl: string, poolMax = 10, onWarn?: (message: string) => void): Db {
  return knexFactory({
    client: 'pg',
    connection: databaseUrl,
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 5_000,
    ...(onWarn ? { log: { warn: onWarn, error: onWarn, deprecate: onWarn, debug: () => undefined } } : {}),
  });
}

const MIGRATIONS = [initial, smppConcat, carriers, audit, policy, billingMo, operations, users, partitions, campaigns, dispatchCaps, retentionIndexes] as const;

/** Migrations live in code (no directory scan), so they run the same under tsx and in a bundle. */
const migrationSource: Knex.MigrationSource<(typeof MIGRATIONS)[number]> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (migration) => migration.name,
  getMigration: async (migration) => migration,
};

export async function migrate(db: Db): Promise<void> {
  await db.migrate.latest({ migrationSource });
}

/** Creates the database named in the URL when it does not exist yet. */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) return;
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created concurrently by another process
      });
    }
  } finally {
    await client.end();
  }
}
