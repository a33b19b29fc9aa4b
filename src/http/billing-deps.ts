/** What the rates, ledger, quota, numbers, MO and callback routers need (ApiDeps.billing); gateway-billing.ts builds them. */
import type { RequestHandler } from 'express';
import type { RateOverride, RateOverrides } from '../billing/rate-overrides';
import type { AccountTermsChange, AccountTermsView, BillingRow, LedgerRow } from '../db/billing-store';
import type { DeadCallbackRecord } from '../db/callback-store';
import type { MoRecord } from '../db/mo-store';
import type { AddNumberResult, AppNumber } from '../db/number-store';
import type { StoredResponse } from '../pipeline/accept-limits';

export interface BillingApiDeps {
  /** The account's rate overrides (cached; submissions price with them). */
  rates(accountId: string): Promise<RateOverrides>;
  readonly store: {
    rates(accountId: string): Promise<RateOverride[]>;
    replaceRates(accountId: string, rates: readonly RateOverride[], actor: string): Promise<RateOverride[] | undefined>;
    updateAccountTerms(accountId: string, changes: AccountTermsChange, actor: string): Promise<AccountTermsView | undefined>;
    appQuotas(appIds: readonly string[]): Promise<Map<string, number | null>>;
    ledger(accountId: string, page: { cursor?: number; limit: number }): Promise<{ balance: number; creditLimit: number; items: LedgerRow[]; nextCursor: string | null } | undefined>;
    billingLog(appId: string, page: { cursor?: { messageId: string; ledgerId: number }; limit: number }): Promise<{ items: BillingRow[]; nextCursor: string | null }>;
  };
  /** Messages the app has used of its quota this month (the shared counter). */
  quotaUsed(appId: string, now: Date): Promise<number>;
  /** Forget cached terms after a change made through this process. */
  invalidateAccount(accountId: string): void;
  invalidateApp(appId: string): void;
  readonly numbers: {
    add(appId: string, number: string, keyword: string | null, actor: string): Promise<AddNumberResult>;
    list(appId: string): Promise<AppNumber[]>;
    remove(appId: string, id: string, actor: string): Promise<boolean>;
  };
  readonly mo: {
    list(filter: { appId?: string; unrouted?: boolean; cursor?: string; limit: number }): Promise<{ items: MoRecord[]; nextCursor: string | null }>;
  };
  readonly deadCallbacks: {
    list(filter: { appId?: string; cursor?: number; limit: number }): Promise<{ items: DeadCallbackRecord[]; nextCursor: string | null }>;
    /** Sends the entry again with fresh attempts and removes it (audited); false when it is not there. `appId` confines to one app's. */
    retry(id: number, appId: string | undefined, actor: string): Promise<boolean>;
    remove(id: number, appId: string | undefined, actor: string): Promise<boolean>;
  };
  readonly idempotency: {
    find(appId: string, key: string): Promise<StoredResponse | undefined>;
  };
}

/** The authentication middlewares of build-app.ts, applied per route by these routers. */
export interface RouteGuards {
  readonly operator: RequestHandler;
  readonly application: RequestHandler;
  /** Operator (Bearer) or application (Basic), by the Authorization scheme. */
  readonly either: RequestHandler;
  readonly json: RequestHandler;
}

/** A path parameter as a string (express 5 types them loosely when a route has middleware before its handler). */
export function pathParam(params: Record<string, unknown>, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' ? value : undefined;
}
