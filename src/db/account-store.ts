/** Accounts and their money: a credit is a ledger row and a balance change in one transaction. */
import { recordAudit } from './audit-store';
import type { Db } from './knex';
import { exec, query } from './sql';

export interface Account {
  readonly id: string;
  readonly name: string;
  readonly balance: number;
  /** Postpaid room below zero, minor units (0 = prepaid; docs/billing.md). */
  readonly creditLimit?: number;
  /** Messages per second to carriers across processes (null = no cap; pipeline/dispatch-caps.ts). */
  readonly dispatchRatePerSecond?: number | null;
  readonly createdAt: Date;
}

interface AccountRow {
  id: string;
  name: string;
  balance: number;
  credit_limit?: number;
  dispatch_rate_per_second?: number | null;
  created_at: Date;
}

const toAccount = (r: AccountRow): Account => ({
  id: r.id,
  name: r.name,
  balance: r.balance,
  creditLimit: r.credit_limit ?? 0,
  dispatchRatePerSecond: r.dispatch_rate_per_second ?? null,
  createdAt: r.created_at,
});

export class AccountStore {
  constructor(private readonly db: Db) {}

  async create(name: string): Promise<Account> {
    const rows = await query<AccountRow>(this.db, 'INSERT INTO accounts (name) VALUES (?) RETURNING *', [name]);
    return toAccount(rows[0]!);
  }

  async findByName(name: string): Promise<Account | undefined> {
    const rows = await query<AccountRow>(this.db, 'SELECT * FROM accounts WHERE name = ? ORDER BY created_at LIMIT 1', [name]);
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  async get(id: string): Promise<Account | undefined> {
    const rows = await query<AccountRow>(this.db, 'SELECT * FROM accounts WHERE id = ?', [id]);
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  /**
   * Adds `amount` minor units; returns the new balance, or undefined when the account does not exist.
   * With `actor`, the credit is recorded in the audit trail (balance before and after) in the same transaction.
   */
  async credit(id: string, amount: number, reference: string | null, actor?: string): Promise<number | undefined> {
    return this.db.transaction(async (trx) => {
      const rows = await query<{ balance: number }>(trx, 
        'UPDATE accounts SET balance = balance + ? WHERE id = ? RETURNING balance',
        [amount, id],
      );
      if (!rows[0]) return undefined;
      await exec(trx, `INSERT INTO ledger (account_id, kind, amount, reference) VALUES (?, 'credit', ?, ?)`, [id, amount, reference]);
      if (actor) {
        await recordAudit(trx, {
          actor,
          action: 'credit',
          entity: 'account',
          entityId: id,
          before: { balance: rows[0].balance - amount },
          after: { balance: rows[0].balance },
          detail: { amount, reference },
        });
      }
      return rows[0].balance;
    });
  }

  /** Sum of the account's ledger rows: equals its balance (the invariant tests check). */
  async ledgerSum(id: string): Promise<number> {
    const rows = await query<{ sum: number }>(this.db, 
      'SELECT COALESCE(sum(amount), 0)::bigint AS sum FROM ledger WHERE account_id = ?',
      [id],
    );
    return rows[0]!.sum;
  }
}
