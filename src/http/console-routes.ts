/**
 * The web console and the live statistics stream.
 *
 * - `consoleRouter` serves the single-page app built by `npm run console:build`
 *   (console/dist) at /console: files as they are (hashed assets cached for a
 *   year, index.html never), and index.html for every other path under
 *   /console so the app's client-side routes survive a reload. When the build
 *   is missing it answers 503 with a JSON error saying how to build it.
 * - `statsStreamRouter` is GET /api/v1/stream/stats: server-sent events, one
 *   `stats` event a second, for any authenticated operator client (the
 *   console's dashboard is one; `curl -N -H 'authorization: Bearer …'` is
 *   another). It owns no endpoint of its own behind the console: the caller
 *   mounts the operator authentication in front of it.
 *
 * What a `stats` event holds (see StatsSnapshot): throughput in and out
 * (messages a second, from this process's counters), the delivery ratio
 * (delivered / final over the last minute and since the process started),
 * queue depths (BullMQ, read from Redis, so every process's jobs), carrier
 * bind and breaker states (published to Redis by whichever process owns the
 * binds) and bound customer SMPP sessions. One sampler per process ticks
 * while at least one client listens, whatever the number of clients.
 *
 * Counters are the deployment's: every process publishes its own to Redis
 * each second (src/workers/stats-board.ts, `HttpDeps.clusterCounters`) and
 * the sampler sums them with ClusterTotals, so in the split layout (an edge
 * and a workers process) the edge's stream shows the workers' out and final
 * figures too (at most a second old). Without `clusterCounters` (tests that
 * build the app alone) the figures are this process's own.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type Request, type Response } from 'express';
import { ClusterTotals, readStatsCounters, sumMetric, type StatsCounters } from '../metrics/stats-counters';
import type { HttpDeps } from './deps';

/** console/dist, relative to this file (src/http/). */
export const CONSOLE_DIST = fileURLToPath(new URL('../../console/dist', import.meta.url));

export interface ConsoleOptions {
  /** Where the built SPA is (default CONSOLE_DIST). */
  readonly distDir?: string;
}

export function consoleRouter(options: ConsoleOptions = {}): Router {
  const dist = options.distDir ?? CONSOLE_DIST;
  const index = join(dist, 'index.html');
  const router = Router();

  // The build may appear (or be replaced) while the gateway runs: look every time; a stat costs microseconds.
  router.use((_req, res, next) => {
    if (existsSync(index) && statSync(index).isFile()) {
      next();
      return;
    }
    res.status(503).json({
      error: {
        code: 'CONSOLE_NOT_BUILT',
        message: 'the web console is not built; run `npm run console:build` (npm start and npm test build it)',
        details: { distDir: dist },
      },
    });
  });
  router.use(
    '/assets',
    express.static(join(dist, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false }),
  );
  router.use(express.static(dist, { index: false, maxAge: 0, redirect: false }));
  // Client-side routes: /console, /console/messages/123, ... all get the app.
  router.get('/{*path}', (req: Request, res: Response) => {
    if (req.originalUrl === '/console') {
      res.redirect(301, '/console/');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}

export interface CarrierStat {
  readonly id: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly boundSessions: number;
  readonly configuredBinds: number;
  readonly inFlight: number;
  readonly breaker: string;
}

export interface StatsSnapshot {
  /** ISO time of the sample. */
  readonly at: string;
  /** Per second over the last sample interval: messages accepted (in), parts carriers accepted (out), final statuses. */
  readonly throughput: { readonly inPerSecond: number; readonly outPerSecond: number; readonly finalPerSecond: number };
  /** Totals since the deployment's live processes started (see ClusterTotals). */
  readonly totals: { readonly accepted: number; readonly submitted: number; readonly final: Readonly<Record<string, number>> };
  /** delivered / final; null when nothing reached a final status in that span. */
  readonly deliveryRatio: { readonly lastMinute: number | null; readonly sinceStart: number | null };
  readonly queues: ReadonlyArray<{ readonly queue: string; readonly state: string; readonly count: number }>;
  readonly carriers: readonly CarrierStat[];
  readonly smppSessions: Readonly<Record<string, number>>;
}

/** The interval between two `stats` events, in milliseconds. */
export const STATS_INTERVAL_MS = 1_000;

interface Totals {
  readonly atMs: number;
  readonly accepted: number;
  readonly submitted: number;
  readonly final: Record<string, number>;
}

/** Builds snapshots from the process's metrics registry, the queue counts and the carrier board. */
export class StatsSampler {
  private previous: Totals | undefined;
  /** Final totals a second apart, for the one-minute delivery ratio. */
  private readonly history: Totals[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(snapshot: StatsSnapshot) => void>();
  private latest: StatsSnapshot | undefined;
  private sampling = false;
  private readonly cluster = new ClusterTotals();

  constructor(
    private readonly deps: HttpDeps,
    private readonly intervalMs = STATS_INTERVAL_MS,
  ) {}

  /** Calls `listener` with a snapshot every interval (and at once with the latest one); returns the unsubscribe. */
  subscribe(listener: (snapshot: StatsSnapshot) => void): () => void {
    this.listeners.add(listener);
    if (this.latest) listener(this.latest);
    else void this.tick();
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), this.intervalMs);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
        this.latest = undefined;
        // The next listener's first rate is over its own first second, not over the idle time.
        this.previous = undefined;
      }
    };
  }

  private async tick(): Promise<void> {
    if (this.sampling) return; // a slow Redis never stacks samples up
    this.sampling = true;
    try {
      const snapshot = await this.sample();
      this.latest = snapshot;
      for (const listener of this.listeners) listener(snapshot);
    } catch (error) {
      this.deps.log.warn({ err: error }, 'stats sample failed');
    } finally {
      this.sampling = false;
    }
  }

  /** The deployment's totals (every live process, through Redis), or this process's own without clusterCounters. */
  private async counters(nowMs: number): Promise<StatsCounters> {
    const local = () => readStatsCounters(this.deps.metrics);
    const cluster = this.deps.clusterCounters;
    if (!cluster) return local();
    try {
      return this.cluster.add(await cluster(), nowMs);
    } catch (error) {
      // Redis is unreachable: the figures stand still (rates 0) rather than jump to this process's own.
      this.deps.log.debug({ err: error }, 'cluster stats counters unavailable');
      return this.cluster.add(new Map(), nowMs);
    }
  }

  async sample(): Promise<StatsSnapshot> {
    const m = this.deps.metrics;
    const nowMs = Date.now();
    // Out = parts a carrier accepted (submit_sm_resp OK), from smsgw_carrier_submits_total{result="accepted"}.
    const counters = await this.counters(nowMs);
    const totals: Totals = { atMs: nowMs, accepted: counters.accepted, submitted: counters.submitted, final: { ...counters.final } };

    const prev = this.previous;
    const seconds = prev ? Math.max((nowMs - prev.atMs) / 1000, 0.001) : 1;
    const finalTotal = (t: Totals | undefined) => (t ? Object.values(t.final).reduce((a, b) => a + b, 0) : 0);
    const rate = (now: number, before: number | undefined) => (prev ? Math.max(0, round((now - (before ?? 0)) / seconds)) : 0);
    const throughput = {
      inPerSecond: rate(totals.accepted, prev?.accepted),
      outPerSecond: rate(totals.submitted, prev?.submitted),
      finalPerSecond: rate(finalTotal(totals), finalTotal(prev)),
    };
    this.previous = totals;
    this.history.push(totals);
    while (this.history.length > 0 && nowMs - this.history[0]!.atMs > 60_000) this.history.shift();
    const oldest = this.history[0];
    const ratio = (delivered: number, all: number) => (all > 0 ? round(delivered / all, 4) : null);
    const deliveryRatio = {
      lastMinute:
        oldest && oldest !== totals
          ? ratio((totals.final.delivered ?? 0) - (oldest.final.delivered ?? 0), finalTotal(totals) - finalTotal(oldest))
          : null,
      sinceStart: ratio(totals.final.delivered ?? 0, finalTotal(totals)),
    };

    let queues: StatsSnapshot['queues'] = [];
    try {
      await this.deps.collectMetrics?.();
      queues = (await m.queueJobs.get()).values.map((v) => ({ queue: String(v.labels.queue), state: String(v.labels.state), count: v.value }));
    } catch (error) {
      this.deps.log.debug({ err: error }, 'queue counts unavailable for stats');
    }

    let carriers: CarrierStat[] = [];
    const api = this.deps.api;
    if (api) {
      const states = await api.carrierStates().catch(() => new Map<string, never>());
      carriers = api.routing
        .carriers()
        .filter((c) => !c.deleted)
        .map((c) => {
          const s = states.get(c.id);
          return {
            id: c.id,
            name: c.name,
            enabled: c.enabled,
            boundSessions: s?.boundSessions ?? 0,
            configuredBinds: s?.configuredBinds ?? 0,
            inFlight: s?.inFlight ?? 0,
            breaker: s?.breaker ?? 'closed',
          };
        });
    }
    const sessions = await sumMetric(m.smppSessions, 'side');
    return {
      at: new Date(nowMs).toISOString(),
      throughput,
      totals: { accepted: totals.accepted, submitted: totals.submitted, final: totals.final },
      deliveryRatio,
      queues,
      carriers,
      smppSessions: sessions.grouped,
    };
  }
}

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** GET /stream/stats (mounted under /api/v1, behind operator authentication). */
export function statsStreamRouter(deps: HttpDeps, sampler = new StatsSampler(deps)): Router {
  const router = Router();
  router.get('/stream/stats', (req, res) => {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no'); // nginx in front: do not buffer the stream
    res.flushHeaders();
    req.socket.setNoDelay(true);
    req.socket.setTimeout(0);
    res.write(`retry: 3000\n\n`);
    let id = 0;
    const unsubscribe = sampler.subscribe((snapshot) => {
      id += 1;
      res.write(`id: ${id}\nevent: stats\ndata: ${JSON.stringify(snapshot)}\n\n`);
    });
    const close = () => unsubscribe();
    req.on('close', close);
    res.on('close', close);
  });
  return router;
}
