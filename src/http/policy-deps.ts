/** What the rules, held review and templates routers need (ApiDeps.policy); gateway.ts builds them. */
import type { NewRule, StoredRule } from '../db/rule-store';
import type { HeldMessage, ReviewDecision } from '../pipeline/held-review';
import type { Finalized } from '../pipeline/types';
import type { RatePolicy, TemplateRateLimiter } from '../policy/rate-policy';
import type { TemplateCache, TemplateRecord, TemplateStatus } from '../policy/template-cache';

export interface PolicyApiDeps {
  readonly rules: {
    list(filter: { accountId?: string | undefined; cursor?: string | undefined; limit: number }): Promise<{ items: StoredRule[]; nextCursor: string | null }>;
    create(rule: NewRule, actor: string): Promise<StoredRule>;
    delete(id: string, actor: string): Promise<boolean>;
    accountOfApp(appId: string): Promise<string | undefined>;
    accountExists(accountId: string): Promise<boolean>;
  };
  readonly held: {
    list(options: { cursor?: string; accountId?: string; limit: number }): Promise<{ items: HeldMessage[]; nextCursor: string | null }>;
    approve(id: string, actor: string): Promise<ReviewDecision | undefined>;
    reject(id: string, actor: string, reason: string | null): Promise<Finalized | undefined>;
  };
  readonly templates: {
    get(id: string): Promise<TemplateRecord | undefined>;
    list(filter: { appId?: string | undefined; status?: TemplateStatus | undefined; cursor?: string | undefined; limit: number }): Promise<{ items: TemplateRecord[]; nextCursor: string | null }>;
    create(appId: string, input: { name: string; body: string; ratePolicy: RatePolicy | null }, actor: string): Promise<TemplateRecord>;
    decide(id: string, status: 'approved' | 'rejected', actor: string, reason: string | null): Promise<TemplateRecord | undefined>;
    delete(id: string, actor: string, appId?: string): Promise<boolean>;
    appExists(appId: string): Promise<boolean>;
  };
  readonly templateCache: Pick<TemplateCache, 'find' | 'invalidate'>;
  readonly templateRates: TemplateRateLimiter;
}
