/**
 * Composition of issue 7's content policy (a helper of gateway.ts, like
 * gateway-carriers.ts): the stores, the compiled rule set for the review
 * stage (workers role), the held review queue and its timeout sweep, and the
 * template cache and rate limiter at the edge (api role).
 */
import type { Redis } from 'ioredis';
import type { Db } from './db/knex';
import { PgHeldReviewStore } from './db/review-store';
import { RuleStore } from './db/rule-store';
import { TemplateStore } from './db/template-store';
import type { PolicyApiDeps } from './http/policy-deps';
import type { Logger } from './log';
import { approveHeld, rejectHeld, type HeldReviewDeps, type HeldSweepDeps } from './pipeline/held-review';
import type { StageQueues } from './pipeline/ports';
import type { Reviewer } from './pipeline/review-charge';
import type { Finalized } from './pipeline/types';
import { LiveRules } from './policy/live-rules';
import { RedisTemplateRateLimiter } from './policy/redis-rate-limiter';
import { TemplateCache } from './policy/template-cache';

export interface PolicyOptions {
  readonly db: Db;
  readonly redis: Redis;
  /** The hash-tagged queue prefix ({smsgw}) for Redis keys. */
  readonly keyPrefix: string;
  readonly log: Logger;
  readonly queues: StageQueues;
  readonly onFinalized: (finalized: readonly Finalized[]) => Promise<void>;
  readonly onCharged?: (amount: number) => void;
  /** HELD_REVIEW_TIMEOUT_SECONDS. */
  readonly heldTimeoutSeconds: number;
}

export interface Policy {
  /** The review stage's hook (the live rule set). */
  readonly review: Reviewer;
  readonly heldSweep: HeldSweepDeps;
  readonly api: PolicyApiDeps;
  /** Loads the rules and keeps them fresh (workers role). */
  startRules(): Promise<void>;
  /** Keeps the template cache fresh (api role). */
  startTemplates(): Promise<void>;
  stop(): void;
}

export function createPolicy(options: PolicyOptions): Policy {
  const log = options.log.child({ module: 'policy' });
  const rules = new RuleStore(options.db);
  const templates = new TemplateStore(options.db);
  const held = new PgHeldReviewStore(options.db);
  const liveRules = new LiveRules(rules, (error) => log.warn({ err: error }, 'rules reload failed'));
  const templateCache = new TemplateCache(templates, (error) => log.warn({ err: error }, 'templates reload failed'));
  const heldDeps: HeldReviewDeps = {
    store: held,
    queues: options.queues,
    onFinalized: options.onFinalized,
    ...(options.onCharged ? { onCharged: options.onCharged } : {}),
  };
  return {
    review: liveRules.review,
    heldSweep: { store: held, onFinalized: options.onFinalized, timeoutSeconds: options.heldTimeoutSeconds },
    api: {
      rules,
      held: {
        list: (o) => held.list(o),
        approve: (id, actor) => approveHeld(id, actor, heldDeps),
        reject: (id, actor, reason) => rejectHeld(id, actor, reason, heldDeps),
      },
      templates,
      templateCache,
      templateRates: new RedisTemplateRateLimiter(options.redis, options.keyPrefix),
    },
    startRules: () => liveRules.start(),
    startTemplates: () => templateCache.start(),
    stop: () => {
      liveRules.stop();
      templateCache.stop();
    },
  };
}
