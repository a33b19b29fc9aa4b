/**
 * Content rules (operator): POST /rules {name, kind, keywords?, pattern?,
 * action, accountId?, appId?} -> 201; GET /rules?accountId=&cursor=&limit=;
 * DELETE /rules/:id -> 204. What kinds and actions mean, and their
 * precedence: src/policy/rules.ts and docs/policy.md. Regexes are checked
 * when created (400 when they do not compile or look catastrophic). Changes
 * reach every process's compiled rule set within about a second.
 */
import { Router } from 'express';
import { GatewayError } from '../core/errors';
import { ruleView } from '../db/rule-store';
import { normalizeRuleInput } from '../policy/rules';
import { currentActor } from './auth';
import type { ApiDeps } from './deps';
import type { PolicyApiDeps } from './policy-deps';
import { createRuleBody, ruleListQuery } from './policy-schemas';
import { parse } from './validate';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function policyOf(deps: ApiDeps): PolicyApiDeps {
  if (!deps.policy) throw new GatewayError('NOT_FOUND', 'content policy is not available in this process');
  return deps.policy;
}

export function ruleRouter(deps: ApiDeps): Router {
  const router = Router();

  router.post('/rules', async (req, res) => {
    const policy = policyOf(deps);
    const body = parse(createRuleBody, req.body);
    const { keywords, pattern } = normalizeRuleInput(body);
    let accountId = body.accountId ?? null;
    const appId = body.appId ?? null;
    if (appId !== null) {
      const owner = await policy.rules.accountOfApp(appId);
      if (!owner) throw new GatewayError('INVALID_REQUEST', 'appId: no such app', { issues: [{ path: 'appId', message: 'no such app' }] });
      if (accountId !== null && accountId !== owner) {
        throw new GatewayError('INVALID_REQUEST', 'appId: the app does not belong to accountId', { issues: [{ path: 'appId', message: 'not an app of accountId' }] });
      }
      accountId = owner;
    } else if (accountId !== null && !(await policy.rules.accountExists(accountId))) {
      throw new GatewayError('INVALID_REQUEST', 'accountId: no such account', { issues: [{ path: 'accountId', message: 'no such account' }] });
    }
    const rule = await policy.rules.create({ name: body.name, kind: body.kind, keywords, pattern, action: body.action, accountId, appId }, currentActor(req));
    res.status(201).json(ruleView(rule));
  });

  router.get('/rules', async (req, res) => {
    const q = parse(ruleListQuery, req.query);
    const page = await policyOf(deps).rules.list(q);
    res.json({ items: page.items.map(ruleView), nextCursor: page.nextCursor });
  });

  router.delete('/rules/:id', async (req, res) => {
    const id = req.params.id ?? '';
    if (!UUID.test(id) || !(await policyOf(deps).rules.delete(id, currentActor(req)))) throw new GatewayError('NOT_FOUND', 'no such rule');
    res.status(204).end();
  });

  return router;
}
