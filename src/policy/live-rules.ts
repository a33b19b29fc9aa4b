/**
 * The compiled content rules every worker process holds, reloaded when the
 * rules' version counter moves (config_versions 'rules', polled every
 * 500 ms: a rule created or deleted on any process is in force everywhere
 * within about a second). `review` is the review+charge stage's hook.
 */
import type { Reviewer, ReviewVerdict } from '../pipeline/review-charge';
import type { MessageRecord } from '../pipeline/types';
import { RuleSet, type RuleDefinition, type RuleOutcome } from './rules';
import { VersionPoller } from '../core/version-poller';

export interface RuleSource {
  version(): Promise<number>;
  rules(): Promise<RuleDefinition[]>;
}

/** Error codes of messages that rules stop (messages.error_code and callbacks' errorCode). */
export const CONTENT_REJECTED = 'CONTENT_REJECTED';
export const CONTENT_HELD = 'CONTENT_HELD';

export class LiveRules {
  private set: RuleSet = RuleSet.EMPTY;
  private readonly poller: VersionPoller;

  constructor(
    source: RuleSource,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    this.poller = new VersionPoller(
      () => source.version(),
      async () => {
        this.set = new RuleSet(await source.rules(), (rule, error) => this.onError(new Error(`rule ${rule.id} does not compile: ${String(error)}`)));
      },
      onError,
    );
  }

  current(): RuleSet {
    return this.set;
  }

  start(pollIntervalMs = 500): Promise<void> {
    return this.poller.start(pollIntervalMs);
  }

  stop(): void {
    this.poller.stop();
  }

  refresh(force = false): Promise<void> {
    return this.poller.refresh(force);
  }

  readonly review: Reviewer = (message: MessageRecord) => verdictOf(this.set.evaluate(message));
}

/** Maps a rule outcome to the review stage's verdict (the rule goes into the event detail). */
export function verdictOf(outcome: RuleOutcome): ReviewVerdict {
  if (outcome.action === 'pass' || !outcome.rule) return { action: 'pass' };
  const rule = { id: outcome.rule.id, name: outcome.rule.name, kind: outcome.rule.kind };
  return outcome.action === 'reject'
    ? { action: 'reject', reason: CONTENT_REJECTED, detail: { rule } }
    : { action: 'hold', reason: CONTENT_HELD, detail: { rule } };
}
