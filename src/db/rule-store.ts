/**
 * Content rules in PostgreSQL. Every change bumps config_versions('rules')
 * in its transaction (every process reloads its compiled set, see
 * src/policy/live-rules.ts) and writes an audit row.
 */
import type { RuleAction, RuleDefinition, RuleKind } from '../policy/rules';
import { recordAudit } from './audit-store';
import type { Db } from './knex';
import { exec, query, type Executor } from './sql';

export interface StoredRule extends RuleDefinition {
  readonly createdBy: string;
  readonly createdAt: Date;
}

export interface NewRule {
  readonly name: string;
  readonly kind: RuleKind;
  readonly keywords: readonly string[];
  readonly pattern: string | null;
  readonly action: RuleAction;
  readonly accountId: string | null;
  readonly appId: string | null;
}

interface RuleRow {
  id: string;
  name: string;
  kind: RuleKind;
  keywords: string[];
  pattern: string | null;
  action: RuleAction;
  account_id: string | null;
  app_id: string | null;
  created_by: string;
  created_at: Date;
}

const toRule = (r: RuleRow): StoredRule => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  keywords: r.keywords,
  pattern: r.pattern,
  action: r.action,
  accountId: r.account_id,
  appId: r.app_id,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

/** What the API shows and the audit trail keeps of a rule. */
export function ruleView(r: StoredRule) {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    keywords: r.keywords,
    pattern: r.pattern,
    action: r.action,
    accountId: r.accountId,
    appId: r.appId,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
  };
}

async function bump(db: Executor): Promise<void> {
  await exec(db, `UPDATE config_versions SET version = version + 1 WHERE name = 'rules'`);
}

export class RuleStore {
  constructor(private readonly db: Db) {}

  async version(): Promise<number> {
    const rows = await query<{ version: number }>(this.db, `SELECT version FROM config_versions WHERE name = 'rules'`);
    return rows[0]?.version ?? 0;
  }

  /** Every rule, oldest first (the order rules are evaluated and reported in). */
  async rules(): Promise<StoredRule[]> {
    return (await query<RuleRow>(this.db, 'SELECT * FROM rules ORDER BY created_at, id')).map(toRule);
  }

  /** Rules, oldest first; with accountId only those of that account (and its apps). The cursor is the last id of the previous page. */
  async list(filter: { accountId?: string | undefined; cursor?: string | undefined; limit: number }): Promise<{ items: StoredRule[]; nextCursor: string | null }> {
    const rows = await query<RuleRow>(
      this.db,
      `SELECT * FROM rules
       WHERE (?::uuid IS NULL OR account_id = ?::uuid)
         AND (?::uuid IS NULL OR (created_at, id) > (SELECT created_at, id FROM rules WHERE id = ?::uuid))
       ORDER BY created_at, id LIMIT ?`,
      [filter.accountId ?? null, filter.accountId ?? null, filter.cursor ?? null, filter.cursor ?? null, filter.limit + 1],
    );
    const items = rows.slice(0, filter.limit).map(toRule);
    return { items, nextCursor: rows.length > filter.limit ? items[items.length - 1]!.id : null };
  }

  /** The account an app belongs to (undefined when there is no such app). */
  async accountOfApp(appId: string): Promise<string | undefined> {
    const rows = await query<{ account_id: string }>(this.db, 'SELECT account_id FROM apps WHERE id = ?', [appId]);
    return rows[0]?.account_id;
  }

  async accountExists(accountId: string): Promise<boolean> {
    return (await query(this.db, 'SELECT 1 FROM accounts WHERE id = ?', [accountId])).length > 0;
  }

  async create(rule: NewRule, actor: string): Promise<StoredRule> {
    return this.db.transaction(async (trx) => {
      const [row] = await query<RuleRow>(
        trx,
        `INSERT INTO rules (name, kind, keywords, pattern, action, account_id, app_id, created_by)
         VALUES (?, ?, ?::text[], ?, ?, ?, ?, ?) RETURNING *`,
        [rule.name, rule.kind, [...rule.keywords], rule.pattern, rule.action, rule.accountId, rule.appId, actor],
      );
      const created = toRule(row!);
      await bump(trx);
      await recordAudit(trx, { actor, action: 'create', entity: 'rule', entityId: created.id, after: ruleView(created) });
      return created;
    });
  }

  /** False when there is no such rule. */
  async delete(id: string, actor: string): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const rows = await query<RuleRow>(trx, 'DELETE FROM rules WHERE id = ? RETURNING *', [id]);
      if (!rows[0]) return false;
      await bump(trx);
      await recordAudit(trx, { actor, action: 'delete', entity: 'rule', entityId: id, before: ruleView(toRule(rows[0])) });
      return true;
    });
  }
}
