/**
 * `npm run routes:import -- config/routes.json`: loads an operator file into
 * the database the environment configures (DATABASE_URL), as the API would:
 * carriers first (created, or updated by name), then the whole routing table
 * swapped atomically. Running gateways pick it up within a second (the
 * routing version is bumped). The file is a routes array (the body of
 * PUT /api/v1/routes) or {carriers?: [POST /api/v1/carriers bodies], routes}.
 * Nothing is written when the file does not validate.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../config/env';
import { routesBody, routesFileBody } from '../http/schemas';
import { createDb, ensureDatabase, migrate } from './knex';
import { RoutingStore } from './routing-store';

const file = process.argv[2];
if (!file) {
  console.error('usage: npm run routes:import -- <file.json>');
  process.exit(2);
}

let raw: unknown;
try {
  raw = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.error(`${file}: ${(error as Error).message}`);
  process.exit(1);
}
const parsed = Array.isArray(raw) ? routesBody.safeParse(raw) : routesFileBody.safeParse(raw);
if (!parsed.success) {
  for (const issue of parsed.error.issues.slice(0, 20)) console.error(`${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  process.exit(1);
}
const { carriers = [], routes } = Array.isArray(parsed.data) ? { routes: parsed.data } : parsed.data;

const config = loadConfig();
await ensureDatabase(config.databaseUrl);
const db = createDb(config.databaseUrl, 1);
try {
  await migrate(db);
  const store = new RoutingStore(db);
  const existing = new Map((await store.carriers()).filter((c) => !c.deleted).map((c) => [c.name, c.id]));
  const known = new Set([...existing.keys(), ...carriers.map((c) => c.name)]);
  const unknown = [...new Set(routes.flatMap((r) => r.carriers.map((c) => c.name)))].filter((n) => !known.has(n));
  if (unknown.length > 0) {
    console.error(`${file}: routes name carriers that neither exist nor are in the file: ${unknown.join(', ')}; nothing written`);
    process.exitCode = 1;
  }
  for (const carrier of unknown.length > 0 ? [] : carriers) {
    const id = existing.get(carrier.name);
    if (id) await store.updateCarrier(id, carrier);
    else await store.saveCarrier(carrier);
  }
  if (unknown.length === 0) {
    const stored = await store.replaceRoutes(routes);
    console.log(`routes:import: ${carriers.length} carriers upserted, ${stored.length} routes in the table`);
  }
} finally {
  await db.destroy();
}
