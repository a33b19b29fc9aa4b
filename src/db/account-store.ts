/** Accounts and their money: a credit is a ledger row and a balance change in one transaction. */
import type { Db } from './knex';
import { exec, query } from './sql';

export interface Account {
  readonly id: string;
  readonly name: string;
  readonly balance: number;
  readonly createdAt: Date;
}

interface AccountRow {
  id: string;
  name: string;
  balance: number;
  created_at: Date;
}

const toAccount = (r: AccountRow): Account => ({ id: r.id, name: r.name, balance: r.balance, createdAt: r.created_at });

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

  /** Adds `amount` minor units; returns the new balance, or undefined when the account does not exist. */
  async credit(id: string, amount: number, reference: string | null): Promise<number | undefined> {
    return this.db.transaction(async (trx) => {
      const rows = await query<{ balance: number }>(trx, 
        'UPDATE accounts SET balance = balance + ? WHERE id = ? RETURNING balance',
        [amount, id],
      );
      if (!rows[0]) return undefined;
      await exec(trx, `INSERT INTO ledger (account_id, kind, amount, reference) VALUES (?, 'credit', ?, ?)`, [id, amount, reference]);
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
