/**
 * `npm run bench:reports`: GET /api/v1/reports over 1,000,000 messages.
 *
 * A dedicated database (`smsgw_bench_reports` on BENCH_DATABASE_SERVER,
 * dropped and re-created) is migrated and seeded in SQL with generate_series
 * (seeded random, so every run has the same data): 5 accounts with 2 apps
 * each, 3 carriers (cost 2 per part), 12 destination prefixes (each routed to
 * one carrier), `--messages` messages spread evenly over the 30 days before
 * the current hour, 1-3 parts, statuses 90% delivered / 5% undelivered / 2%
 * expired / 1% failed / 2% rejected (before charge), a charge ledger row per
 * charged message, a refund per refunded one, and a message_parts row (with
 * its cost) per part a carrier took. Then the rollup is built (timed), and
 * the report of the month is timed for each groupBy through the same code
 * the endpoint runs (ReportQueries + the row arithmetic), `--runs` times
 * each after one warm-up; the same report computed straight from messages
 * is timed once for comparison.
 *
 * Then the incremental job (RollupStore.rollUp) is timed on top of that
 * history: `--live` (10,000) more messages are handed over in the current
 * hour (accepted, queued with their charge, submitted with their parts and
 * cost: events as the pipeline writes them) and one run folds them in; they
 * all end (90% delivered, 10% undelivered and refunded) and one run moves
 * them to their final rows (the figure that matters: the job's cost per
 * newly final message); one more run finds nothing new but rescans the
 * previous run's events. Finally the rows of the current day are compared
 * with a rebuild of the day from messages: they must be equal.
 *   npm run bench:reports -- --messages 1000000 --runs 20 --live 10000
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createDb, migrate } from '../src/db/knex';
import { ReportQueries } from '../src/db/report-queries';
import { floorHour, RollupStore } from '../src/db/rollup-store';
import { toReportRow } from '../src/reports/report';
import { REPORT_GROUPS } from '../src/reports/report-types';
import { percentile, SERVER_URL, writeResult } from './lib';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '20' },
    live: { type: 'string', default: '10000' },
  },
});
const MESSAGES = Number(values.messages);
const RUNS = Number(values.runs);
const LIVE = Number(values.live);
const DB_NAME = 'smsgw_bench_reports';
const PREFIXES = ['9891', '9893', '9890', '9899', '4479', '4478', '4915', '4917', '3361', '3362', '1212', '1415'];

const admin = new pg.Client({ connectionString: `${SERVER_URL}/postgres` });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
await admin.query(`CREATE DATABASE ${DB_NAME}`);
await admin.end();

const db = createDb(`${SERVER_URL}/${DB_NAME}`, 4);
const time = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
};

try {
  await migrate(db);
  const to = floorHour(new Date());
  const from = new Date(to.getTime() - 30 * 86_400_000);

  const [, seedMs] = await time(async () => {
    await db.raw(`
      INSERT INTO accounts (id, name, balance)
        SELECT ('00000000-0000-4000-8000-' || lpad(a::text, 12, '0'))::uuid, 'bench-' || a, 0 FROM generate_series(1, 5) a;
      INSERT INTO apps (id, account_id, name, secret_hash, signing_secret, smpp_system_id, smpp_password_hash)
        SELECT ('00000000-0000-4000-9000-' || lpad(p::text, 12, '0'))::uuid,
               ('00000000-0000-4000-8000-' || lpad((1 + (p - 1) / 2)::text, 12, '0'))::uuid,
               'app-' || p, '\\x00', 'x', 'bench' || p, 'x'
        FROM generate_series(1, 10) p;
      INSERT INTO carriers (id, name, host, port, system_id, password, cost)
        SELECT ('00000000-0000-4000-a000-' || lpad(c::text, 12, '0'))::uuid, 'carrier-' || c, '127.0.0.1', 2775, 'x', 'x', 2
        FROM generate_series(1, 3) c;`);
    // One row per message; columns derived from i and seeded random() draws (setseed holds for the transaction's connection).
    await db.transaction(async (trx) => {
      await trx.raw(`SELECT setseed(0.42)`);
      await trx.raw(
      `INSERT INTO messages (id, account_id, app_id, channel, to_number, text, encoding, parts, price, status, valid_until,
                             carrier_id, created_at, updated_at)
       SELECT (lpad(to_hex((extract(epoch FROM ts) * 1000)::bigint), 12, '0') || '7' || lpad(to_hex(i % 4096), 3, '0')
                 || '8' || lpad(to_hex(i), 15, '0'))::uuid,
              ('00000000-0000-4000-8000-' || lpad((1 + app / 2)::text, 12, '0'))::uuid,
              ('00000000-0000-4000-9000-' || lpad((app + 1)::text, 12, '0'))::uuid,
              CASE WHEN i % 4 = 0 THEN 'smpp' ELSE 'http' END,
              (?::text[])[1 + pfx] || lpad((i % 10000000)::text, 8, '0'),
              'bench', 'gsm7', parts, 5 * parts, status, ts + interval '1 day',
              CASE WHEN status = 'rejected' THEN NULL ELSE ('00000000-0000-4000-a000-' || lpad((1 + pfx % 3)::text, 12, '0'))::uuid END,
              ts,
              ts + CASE WHEN status = 'delivered' THEN make_interval(secs => 0.2 + 30 * r1 * r1 * r1)
                        ELSE make_interval(secs => 60 + 3600 * r1) END
       FROM (
         SELECT i, ?::timestamptz + (i - 1) * (?::bigint * interval '1 millisecond') AS ts,
                i % 10 AS app, (i::bigint * 7919 % ${PREFIXES.length})::int AS pfx, random() AS r1,
                CASE WHEN r2 < 0.85 THEN 1 WHEN r2 < 0.97 THEN 2 ELSE 3 END AS parts,
                CASE WHEN r3 < 0.90 THEN 'delivered' WHEN r3 < 0.95 THEN 'undelivered' WHEN r3 < 0.97 THEN 'expired'
                     WHEN r3 < 0.98 THEN 'failed' ELSE 'rejected' END AS status
         FROM (SELECT i, random() AS r2, random() AS r3 FROM generate_series(1, ?) i) g
       ) s`,
      [PREFIXES, from, Math.floor((to.getTime() - from.getTime()) / MESSAGES), MESSAGES],
      );
    });
    await db.raw(`
      INSERT INTO ledger (account_id, message_id, kind, amount, created_at)
        SELECT account_id, id, 'charge', -price, created_at FROM messages WHERE status <> 'rejected';
      INSERT INTO ledger (account_id, message_id, kind, amount, created_at)
        SELECT account_id, id, 'refund', price, updated_at FROM messages WHERE status IN ('undelivered', 'expired', 'failed');
      INSERT INTO message_parts (message_id, part_index, carrier_id, carrier_message_id, status, submitted_at, done_at, cost)
        SELECT m.id, p, m.carrier_id, md5(m.id::text || p), 'delivered', m.created_at, m.updated_at, 2
        FROM messages m, generate_series(0, m.parts - 1) p WHERE m.carrier_id IS NOT NULL;`);
    // What autovacuum does to an insert-only table after a while (and the BRIN ranges get summarized).
    await db.raw('VACUUM ANALYZE');
  });
  const counts = (await db.raw(`SELECT (SELECT count(*) FROM messages)::int AS messages, (SELECT count(*) FROM ledger)::int AS ledger,
                                       (SELECT count(*) FROM message_parts)::int AS parts`)).rows[0] as Record<string, number>;
  console.log(`seeded ${counts.messages} messages, ${counts.ledger} ledger rows, ${counts.parts} parts in ${(seedMs / 1000).toFixed(1)} s`);

  const rollup = new RollupStore(db);
  const [hours, rollupMs] = await time(() => rollup.rebuild(from, to));
  await db.raw('VACUUM ANALYZE report_rollup');
  const rollupRows = (await db.raw(`SELECT count(*) FILTER (WHERE period = 'hour')::int AS hour, count(*) FILTER (WHERE period = 'day')::int AS day FROM report_rollup`)).rows[0] as { hour: number; day: number };
  console.log(`rollup: ${hours} hours, ${rollupRows.hour} hour rows and ${rollupRows.day} day rows, built in ${(rollupMs / 1000).toFixed(1)} s`);
  // One hour whole (what the job did every minute for the open hour before it went incremental).
  const [, hourMs] = await time(() => rollup.rebuild(new Date(to.getTime() - 3_600_000), to));
  console.log(`rebuilding one hour whole: ${hourMs.toFixed(0)} ms`);

  const reports = new ReportQueries(db);
  const results: Record<string, { groups: number; p50Ms: number; maxMs: number }> = {};
  for (const groupBy of REPORT_GROUPS) {
    const run = async () => (await reports.totals({ from, to, groupBy })).map(toReportRow);
    const [rows] = await time(run); // warm-up
    const ms: number[] = [];
    for (let i = 0; i < RUNS; i++) ms.push((await time(run))[1]);
    ms.sort((a, b) => a - b);
    results[groupBy] = { groups: rows.length, p50Ms: round(percentile(ms, 50)), maxMs: round(ms[ms.length - 1]!) };
    console.log(`report groupBy=${groupBy.padEnd(7)} ${String(rows.length).padStart(4)} groups  p50 ${results[groupBy].p50Ms} ms  max ${results[groupBy].maxMs} ms`);
  }
  const accountRun = async () => (await reports.totals({ from, to, groupBy: 'day', accountId: '00000000-0000-4000-8000-000000000001' })).map(toReportRow);
  await accountRun();
  const accountMs: number[] = [];
  for (let i = 0; i < RUNS; i++) accountMs.push((await time(accountRun))[1]);
  accountMs.sort((a, b) => a - b);
  console.log(`report groupBy=day for one account: p50 ${round(percentile(accountMs, 50))} ms  max ${round(accountMs[accountMs.length - 1]!)} ms`);

  // The same month straight from messages (no rollup), for comparison.
  const [, directMs] = await time(() =>
    db.raw(
      `SELECT m.carrier_id, count(*), sum(m.parts), sum(coalesce(-ch.amount, 0) - coalesce(rf.amount, 0))
       FROM messages m
       LEFT JOIN ledger ch ON ch.message_id = m.id AND ch.kind = 'charge'
       LEFT JOIN ledger rf ON rf.message_id = m.id AND rf.kind = 'refund'
       WHERE m.created_at >= ? AND m.created_at < ? GROUP BY 1`,
      [from, to],
    ),
  );
  console.log(`without the rollup (groupBy=carrier from messages + ledger, no cost, no percentiles): ${directMs.toFixed(0)} ms`);

  const incremental = await timeIncrementalRuns(rollup);

  writeResult('reports', {
    messages: counts.messages,
    rollupRows,
    rollupBuildSeconds: round(rollupMs / 1000),
    oneHourRebuildMs: round(hourMs),
    incremental,
    reports: results,
    oneAccountDayP50Ms: round(percentile(accountMs, 50)),
    directFromMessagesMs: round(directMs),
  });
} finally {
  await db.destroy();
}

/**
 * LIVE more messages in the current hour, written as the pipeline writes them, then one run per
 * step of their life (handed over, final) and one with nothing new; the day's rows must equal a
 * rebuild of the day.
 */
async function timeIncrementalRuns(rollup: RollupStore) {
  const first = MESSAGES + 1;
  const last = MESSAGES + LIVE;
  await db.raw(
    `INSERT INTO messages (id, account_id, app_id, channel, to_number, text, encoding, parts, price, status, valid_until,
                           carrier_id, created_at, updated_at)
     SELECT (lpad(to_hex((extract(epoch FROM ts) * 1000)::bigint), 12, '0') || '7' || lpad(to_hex(i % 4096), 3, '0')
               || '8' || lpad(to_hex(i), 15, '0'))::uuid,
            ('00000000-0000-4000-8000-' || lpad((1 + app / 2)::text, 12, '0'))::uuid,
            ('00000000-0000-4000-9000-' || lpad((app + 1)::text, 12, '0'))::uuid,
            'http', (?::text[])[1 + pfx] || lpad((i % 10000000)::text, 8, '0'), 'bench-live', 'gsm7', parts, 5 * parts,
            'submitted', ts + interval '1 day', ('00000000-0000-4000-a000-' || lpad((1 + pfx % 3)::text, 12, '0'))::uuid, ts, ts
     FROM (SELECT i, now() - (? - i) * interval '5 milliseconds' AS ts, i % 10 AS app,
                  (i::bigint * 7919 % ${PREFIXES.length})::int AS pfx, 1 + i % 3 / 2 AS parts
           FROM generate_series(?::int, ?::int) i) g`,
    [PREFIXES, last, first, last],
  );
  await db.raw(`
    INSERT INTO ledger (account_id, message_id, kind, amount, created_at)
      SELECT account_id, id, 'charge', -price, created_at FROM messages WHERE text = 'bench-live';
    INSERT INTO message_parts (message_id, part_index, carrier_id, carrier_message_id, status, submitted_at, cost)
      SELECT m.id, p, m.carrier_id, md5(m.id::text || p), 'submitted', m.created_at, 2
      FROM messages m, generate_series(0, m.parts - 1) p WHERE m.text = 'bench-live';
    INSERT INTO message_events (message_id, status, at)
      SELECT m.id, s, m.created_at FROM messages m, unnest(ARRAY['accepted', 'queued', 'submitted']) s WHERE m.text = 'bench-live';`);
  const [handedOver, handedOverMs] = await time(() => rollup.rollUp());
  console.log(`incremental run, ${handedOver.messages} messages newly handed over (in flight): ${handedOverMs.toFixed(0)} ms`);

  await db.raw(`
    UPDATE messages SET status = CASE WHEN hashtext(id::text) % 10 = 0 THEN 'undelivered' ELSE 'delivered' END,
                        updated_at = created_at + make_interval(secs => 0.5 + abs(hashtext(id::text)) % 20000 / 1000.0)
      WHERE text = 'bench-live';
    INSERT INTO message_events (message_id, status, at) SELECT id, status, updated_at FROM messages WHERE text = 'bench-live';
    INSERT INTO ledger (account_id, message_id, kind, amount, created_at)
      SELECT account_id, id, 'refund', price, updated_at FROM messages WHERE text = 'bench-live' AND status = 'undelivered';`);
  const [finals, finalMs] = await time(() => rollup.rollUp());
  console.log(`incremental run, ${finals.messages} messages newly final: ${finalMs.toFixed(0)} ms (${((finalMs * 1000) / Math.max(1, finals.messages)).toFixed(0)} us per message)`);
  const [idle, idleMs] = await time(() => rollup.rollUp());
  console.log(`incremental run, nothing new (rescans the previous run's events): ${idle.messages} messages, ${idleMs.toFixed(0)} ms`);

  // Exactness: the incremental rows of today equal today's hours rebuilt whole from messages.
  const day = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
  const today = async () =>
    JSON.stringify((await db.raw(`SELECT * FROM report_rollup WHERE at >= ? ORDER BY account_id, dimension, period, at, key, status`, [day])).rows);
  const before = await today();
  await rollup.rebuild(day, new Date(day.getTime() + 86_400_000));
  const equal = before === (await today());
  console.log(`incremental rows of today equal a rebuild from messages: ${equal ? 'yes' : 'NO'}`);
  if (!equal) process.exitCode = 1;
  return {
    handedOver: { messages: handedOver.messages, ms: round(handedOverMs) },
    final: { messages: finals.messages, ms: round(finalMs) },
    nothingNew: { messages: idle.messages, ms: round(idleMs) },
    equalToRebuild: equal,
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
