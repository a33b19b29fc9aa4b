/**
 * Test databases: global-setup migrates a template database once per run;
 * each test file clones it (CREATE DATABASE ... TEMPLATE, tens of
 * milliseconds) under its own name and drops it afterwards. Names carry the
 * pid of the vitest main process, so concurrent runs on one machine never
 * touch each other's databases, and leftovers of dead runs are dropped.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const SERVER_URL = process.env.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
/** The vitest main process: global-setup runs in it, and test files run in its child processes. */
const RUN_PID = Number(process.env.SMSGW_TEST_RUN_PID ?? process.pid);
export const TEMPLATE_DB = `smsgw_test_${RUN_PID}_template`;

export function databaseUrl(name: string): string {
  return `${SERVER_URL}/${name}`;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database for one test file. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `smsgw_test_${RUN_PID}_${randomBytes(6).toString('hex')}`;
  await admin(async (c) => {
    // Cloning needs the template to have no other sessions; retry briefly if one lingers.
    for (let attempt = 0; ; attempt++) {
      try {
        await c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== '55006' || attempt > 50) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  return {
    url: databaseUrl(name),
    drop: () => admin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}

/** Drops a database createTestDatabase made, by its URL (a gateway that took another's over). */
export async function dropTestDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.replace(/^\//, '');
  if (!/^smsgw_test_[0-9]+_[0-9a-f]+$/.test(name)) throw new Error(`not a test database: ${name}`);
  await admin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Called in the vitest main process; test files inherit SMSGW_TEST_RUN_PID. */
export async function recreateTemplate(migrateTemplate: (url: string) => Promise<void>): Promise<() => Promise<void>> {
  process.env.SMSGW_TEST_RUN_PID = String(RUN_PID);
  await admin(async (c) => {
    // Leftovers of earlier runs whose process is gone.
    const { rows } = await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname ~ '^smsgw_test_[0-9]+_'`);
    for (const { datname } of rows) {
      const pid = Number(datname.split('_')[2]);
      if (pid === RUN_PID || !alive(pid)) await c.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
    await c.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  });
  await migrateTemplate(databaseUrl(TEMPLATE_DB));
  return () => admin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`)));
}
