/** Shared steps of the policy tests (rules, held review, templates). */
import { randomBytes } from 'node:crypto';
import { eventually, type AppCreds, type TestGateway } from '../../helpers/gateway';

export const FINAL = ['delivered', 'undelivered', 'expired', 'failed', 'rejected'];

/** Waits until the message reaches one of `statuses` (default: a final one or held) and returns its view. */
export async function settled(t: TestGateway, creds: AppCreds, id: string, statuses: readonly string[] = [...FINAL, 'held'], timeoutMs = 15_000) {
  return eventually(async () => {
    const r = await t.asApp(creds, 'GET', `/api/v1/messages/${id}`);
    return statuses.includes(r.body?.status) ? r.body : undefined;
  }, timeoutMs, `message ${id} to reach ${statuses.join('|')}`);
}

export async function ledgerOf(t: TestGateway, messageId: string): Promise<Array<{ kind: string; amount: number }>> {
  const { rows } = await t.gw.db.raw('SELECT kind, amount FROM ledger WHERE message_id = ? ORDER BY id', [messageId]);
  return rows;
}

/** The ledger's sum for the account and its balance (they must be equal). */
export async function ledgerAndBalance(t: TestGateway, accountId: string): Promise<{ sum: number; balance: number }> {
  const { rows } = await t.gw.db.raw('SELECT coalesce(sum(amount), 0)::bigint AS sum FROM ledger WHERE account_id = ?', [accountId]);
  const account = await t.admin('GET', `/api/v1/accounts/${accountId}`);
  return { sum: Number(rows[0].sum), balance: account.body.balance };
}

/**
 * Makes sure every rule created so far is in force in the workers: creates a
 * reject rule for a probe account (the newest rules version) and sends probe
 * messages until one is rejected by it. `via` is the process that has the api
 * role (may differ from the one whose workers are checked).
 */
export async function rulesInForce(via: TestGateway): Promise<void> {
  const probe = await via.customer(1_000_000);
  const word = `probe${randomBytes(4).toString('hex')}`;
  const created = await via.admin('POST', '/api/v1/rules', { name: 'probe', kind: 'keyword', keywords: [word], action: 'reject', accountId: probe.accountId });
  if (created.status !== 201) throw new Error(`probe rule: ${JSON.stringify(created.body)}`);
  await eventually(async () => {
    const sent = await via.asApp(probe.creds, 'POST', '/api/v1/messages', { to: '989120000000', text: `${word} check` });
    const message = await settled(via, probe.creds, sent.body.messages[0].id);
    return message.status === 'rejected' ? true : undefined;
  }, 30_000, 'the rules to reach the workers');
}
