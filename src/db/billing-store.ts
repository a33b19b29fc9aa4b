/**
 * Money terms and the ledger's read side: per-account rate overrides and
 * credit limits, per-app monthly quotas, the ledger of an account and the
 * billing log of an app. Changes are audited in their own transaction.
 */
import type { AccountTerms, BillingSource } from '../billing/billing-cache';
import type { RateOverride } from '../billing/rate-overrides';
import { recordAudit } from './audit-store';
import type { Db } from './knex';
import { query } from './sql';

/** What PATCH /accounts/:id may change; a key left out stays as it is. */
export interface AccountTermsChange {
  /** Postpaid room below zero, minor units. */
  readonly creditLimit?: number;
  /** Messages per second the account may send to carriers, across processes; null = no cap. */
  readonly dispatchRatePerSecond?: number | null;
}

export interface AccountTermsView {
  readonly balance: number;
  readonly creditLimit: number;
  readonly dispatchRatePerSecond: number | null;
}

export interface LedgerRow {
  readonly id: number;
  readonly kind: 'credit' | 'charge' | 'refund';
  readonly amount: number;
  readonly messageId: string | null;
  readonly reference: string | null;
  readonly at: Date;
}

export interface BillingRow extends LedgerRow {
  readonly messageId: string;
  readonly to: string;
  readonly parts: number;
  readonly status: string;
}

interface RawLedger {
  id: number;
  kind: 'credit' | 'charge' | 'refund';
  amount: number;
  message_id: string | null;
  reference: string | null;
  created_at: Date;
}

const toLedger = (r: RawLedger): LedgerRow => ({
  id: Number(r.id),
  kind: r.kind,
  amount: r.amount,
  messageId: r.message_id,
  reference: r.reference,
  at: r.created_at,
});

export class BillingStore implements BillingSource {
  constructor(private readonly db: Db) {}

  async accountTerms(accountIds: readonly string[]): Promise<Map<string, AccountTerms>> {
    const rows = await query<{ id: string; balance: number; credit_limit: number; rates: RateOverride[] }>(
      this.db,
      `SELECT a.id, a.balance, a.credit_limit,
              COALESCE((SELECT json_agg(json_build_object('prefix', r.prefix, 'price', r.price))
                          FROM account_rates r WHERE r.account_id = a.id), '[]'::json) AS rates
         FROM accounts a WHERE a.id = ANY(?::uuid[])`,
      [accountIds],
    );
    return new Map(rows.map((r) => [r.id, { balance: r.balance, creditLimit: r.credit_limit, rates: r.rates.map((x) => ({ prefix: x.prefix, price: Number(x.price) })) }]));
  }

  async appQuotas(appIds: readonly string[]): Promise<Map<string, number | null>> {
    const rows = await query<{ id: string; monthly_quota: number | null }>(this.db, 'SELECT id, monthly_quota FROM apps WHERE id = ANY(?::uuid[])', [appIds]);
    return new Map(rows.map((r) => [r.id, r.monthly_quota]));
  }

  /** Messages each app had accepted since `since` (seeds the monthly counters). */
  async acceptedSince(appIds: readonly string[], since: Date): Promise<Map<string, number>> {
    const rows = await query<{ app_id: string; n: number }>(
      this.db,
      `SELECT app_id, count(*)::int AS n FROM messages WHERE app_id = ANY(?::uuid[]) AND created_at >= ? GROUP BY app_id`,
      [appIds, since],
    );
    return new Map(rows.map((r) => [r.app_id, r.n]));
  }

  async rates(accountId: string): Promise<RateOverride[]> {
    const rows = await query<{ prefix: string; price: number }>(this.db, 'SELECT prefix, price FROM account_rates WHERE account_id = ? ORDER BY prefix', [accountId]);
    return rows.map((r) => ({ prefix: r.prefix, price: r.price }));
  }

  /** Replaces the account's overrides atomically; undefined when the account does not exist. */
  async replaceRates(accountId: string, rates: readonly RateOverride[], actor: string): Promise<RateOverride[] | undefined> {
    return this.db.transaction(async (trx) => {
      const found = await query<{ id: string }>(trx, 'SELECT id FROM accounts WHERE id = ? FOR NO KEY UPDATE', [accountId]);
      if (!found[0]) return undefined;
      const before = await query<{ prefix: string; price: number }>(trx, 'SELECT prefix, price FROM account_rates WHERE account_id = ? ORDER BY prefix', [accountId]);
      await query(trx, 'DELETE FROM account_rates WHERE account_id = ?', [accountId]);
      await query(
        trx,
        `INSERT INTO account_rates (account_id, prefix, price) SELECT ?, * FROM unnest(?::text[], ?::bigint[])`,
        [accountId, rates.map((r) => r.prefix), rates.map((r) => r.price)],
      );
      const after = [...rates].sort((a, b) => a.prefix.localeCompare(b.prefix));
      await recordAudit(trx, { actor, action: 'update', entity: 'account_rates', entityId: accountId, before, after });
      return after;
    });
  }

  /**
   * Sets the given terms (credit limit, dispatch rate cap; null = no cap), audited with their
   * values before and after; returns the account's balance and terms, or undefined when it does not exist.
   */
  async updateAccountTerms(accountId: string, changes: AccountTermsChange, actor: string): Promise<AccountTermsView | undefined> {
    return this.db.transaction(async (trx) => {
      const rows = await query<{ credit_limit: number; dispatch_rate_per_second: number | null }>(
        trx,
        'SELECT credit_limit, dispatch_rate_per_second FROM accounts WHERE id = ? FOR NO KEY UPDATE',
        [accountId],
      );
      const row = rows[0];
      if (!row) return undefined;
      const was = { creditLimit: row.credit_limit, dispatchRatePerSecond: row.dispatch_rate_per_second };
      const next = { ...was, ...changes };
      const updated = await query<{ balance: number; credit_limit: number; dispatch_rate_per_second: number | null }>(
        trx,
        'UPDATE accounts SET credit_limit = ?, dispatch_rate_per_second = ? WHERE id = ? RETURNING balance, credit_limit, dispatch_rate_per_second',
        [next.creditLimit, next.dispatchRatePerSecond, accountId],
      );
      const keys = Object.keys(changes) as Array<keyof AccountTermsChange>;
      await recordAudit(trx, {
        actor,
        action: 'update',
        entity: 'account',
        entityId: accountId,
        before: Object.fromEntries(keys.map((k) => [k, was[k]])),
        after: Object.fromEntries(keys.map((k) => [k, next[k]])),
      });
      const u = updated[0]!;
      return { balance: u.balance, creditLimit: u.credit_limit, dispatchRatePerSecond: u.dispatch_rate_per_second };
    });
  }

  /** Per-account dispatch rate caps (messages per second; null = none) of the given accounts. */
  async dispatchCaps(accountIds: readonly string[]): Promise<Map<string, number | null>> {
    const rows = await query<{ id: string; dispatch_rate_per_second: number | null }>(
      this.db,
      'SELECT id, dispatch_rate_per_second FROM accounts WHERE id = ANY(?::uuid[])',
      [[...accountIds]],
    );
    return new Map(rows.map((r) => [r.id, r.dispatch_rate_per_second]));
  }

  /** The account's ledger, newest first (cursor: the id of the last row of the previous page), with its balance. */
  async ledger(
    accountId: string,
    page: { cursor?: number; limit: number },
  ): Promise<{ balance: number; creditLimit: number; items: LedgerRow[]; nextCursor: string | null } | undefined> {
    const account = await query<{ balance: number; credit_limit: number }>(this.db, 'SELECT balance, credit_limit FROM accounts WHERE id = ?', [accountId]);
    if (!account[0]) return undefined;
    const rows = await query<RawLedger>(
      this.db,
      `SELECT id, kind, amount, message_id, reference, created_at FROM ledger
        WHERE account_id = ? AND (?::bigint IS NULL OR id < ?) ORDER BY id DESC LIMIT ?`,
      [accountId, page.cursor ?? null, page.cursor ?? null, page.limit + 1],
    );
    const items = rows.slice(0, page.limit).map(toLedger);
    return {
      balance: account[0].balance,
      creditLimit: account[0].credit_limit,
      items,
      nextCursor: rows.length > page.limit ? String(items[items.length - 1]!.id) : null,
    };
  }

  /**
   * An app's charges and refunds, newest message first (a message's refund
   * next to its charge). Cursor: "<messageId>.<ledgerId>" of the last row.
   */
  async billingLog(appId: string, page: { cursor?: { messageId: string; ledgerId: number }; limit: number }): Promise<{ items: BillingRow[]; nextCursor: string | null }> {
    const rows = await query<RawLedger & { to_number: string; parts: number; status: string }>(
      this.db,
      `SELECT l.id, l.kind, l.amount, l.message_id, l.reference, l.created_at, m.to_number, m.parts, m.status
         FROM messages m JOIN ledger l ON l.message_id = m.id
        WHERE m.app_id = ? AND (?::uuid IS NULL OR (m.id, l.id) < (?::uuid, ?::bigint))
        ORDER BY m.id DESC, l.id DESC LIMIT ?`,
      [appId, page.cursor?.messageId ?? null, page.cursor?.messageId ?? null, page.cursor?.ledgerId ?? null, page.limit + 1],
    );
    const items = rows.slice(0, page.limit).map((r) => ({ ...toLedger(r), messageId: r.message_id!, to: r.to_number, parts: r.parts, status: r.status }));
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > page.limit && last ? `${last.messageId}.${last.id}` : null };
  }
}
