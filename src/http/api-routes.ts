/**
 * The route table of the HTTP API: for every endpoint its method, path, who
 * may call it (roles and account scope), and the zod schemas its handler
 * validates with. One table feeds three things: the authorization gate
 * (authorize.ts), the OpenAPI document (openapi.ts), and the tests that
 * check every mounted express route is listed here and that each example
 * request validates against its schema.
 *
 * Handlers still call `parse(schema, ...)` themselves with the very same
 * schema objects, so the document cannot drift from validation.
 */
import { z } from 'zod';
import { ADMIN, FINANCE, OWN_APP, OWN_APP_STAFF, PUBLIC, REVIEW, type ApiRoute } from './api-route';
import { batchBody, batchListQuery, batchMessagesQuery } from './batch-schemas';
import { deadQuery } from './callback-routes';
import { billingQuery, ledgerQuery, patchAccountBody, ratesBody } from './ledger-routes';
import { moQuery } from './mo-routes';
import { addNumberBody, patchAppBody } from './number-routes';
import { createRuleBody, createTemplateBody, decisionBody, heldListQuery, ruleListQuery, templateListQuery } from './policy-schemas';
import { reportQuery } from './report-routes';
import {
  createAccountBody,
  createAppBody,
  createCarrierBody,
  creditBody,
  dlqListQuery,
  listQuery,
  patchCarrierBody,
  routesBody,
  submitBody,
} from './schemas';
import {
  accountAnswer,
  appIdParams,
  appListAnswer,
  auditListAnswer,
  auditQuery,
  balanceAnswer,
  createdAppAnswer,
  createUserBody,
  idParams,
  loginBody,
  logoutBody,
  meAnswer,
  patchUserBody,
  refreshBody,
  registerAnswer,
  registerBody,
  resetConfirmBody,
  resetRequestBody,
  rotatedSecretAnswer,
  tokenPairAnswer,
  userAnswer,
  userListAnswer,
  userListQuery,
} from './user-schemas';

const queueParams = z.object({ name: z.string().min(1).max(64) });
const numericIdParams = z.object({ id: z.string().regex(/^\d{1,18}$/) });
const USERS = ['admin', 'reviewer', 'finance', 'customer'] as const;
const EXAMPLE_ID = '0190a6b2-7c1e-7000-8000-000000000001';
const EXAMPLE_APP = '0190a6b2-7c1e-7000-8000-000000000002';

export type { ApiRoute } from './api-route';

export const API_ROUTES: readonly ApiRoute[] = [
  // Process endpoints (every role of the gateway serves them).
  { method: 'get', path: '/healthz', access: PUBLIC, tag: 'process', summary: 'The process is up', success: { status: 200, description: '{status: "ok"}' } },
  { method: 'get', path: '/readyz', access: PUBLIC, tag: 'process', summary: 'Redis and PostgreSQL answer', success: { status: 200, description: '{status: "ready"}; 503 when not' } },
  { method: 'get', path: '/metrics', access: PUBLIC, tag: 'process', summary: 'Prometheus metrics', produces: 'text/plain', success: { status: 200, description: 'Prometheus text format' } },
  { method: 'get', path: '/api/v1/openapi.json', access: PUBLIC, tag: 'docs', summary: 'This OpenAPI 3.1 document', success: { status: 200, description: 'the document' } },
  { method: 'get', path: '/docs', access: PUBLIC, tag: 'docs', summary: 'Browsable API documentation', produces: 'text/html', success: { status: 200, description: 'an HTML page' } },

  // Users and sessions.
  {
    method: 'post', path: '/api/v1/auth/register', access: PUBLIC, tag: 'auth', summary: 'Register a customer; it owns a new account',
    request: { body: registerBody }, example: { body: { email: 'ana@example.com', password: 'correct horse battery', name: 'Ana' } },
    success: { status: 201, description: '{userId, accountId}', schema: registerAnswer },
  },
  {
    method: 'post', path: '/api/v1/auth/login', access: PUBLIC, tag: 'auth', summary: 'Log in with email and password',
    request: { body: loginBody }, example: { body: { email: 'ana@example.com', password: 'correct horse battery' } },
    success: { status: 200, description: '{accessToken, refreshToken, tokenType, expiresIn}', schema: tokenPairAnswer },
  },
  {
    method: 'post', path: '/api/v1/auth/refresh', access: PUBLIC, tag: 'auth', summary: 'Exchange a refresh token (used once) for a new pair',
    request: { body: refreshBody }, example: { body: { refreshToken: 'rt_0123456789abcdef' } },
    success: { status: 200, description: '{accessToken, refreshToken, tokenType, expiresIn}', schema: tokenPairAnswer },
  },
  {
    method: 'post', path: '/api/v1/auth/logout', access: { roles: USERS }, tag: 'auth', summary: 'Revoke the access token and the refresh token\'s session',
    request: { body: logoutBody }, example: { body: { refreshToken: 'rt_0123456789abcdef' } },
    success: { status: 204, description: 'revoked' },
  },
  {
    method: 'post', path: '/api/v1/auth/password-reset', access: PUBLIC, tag: 'auth', summary: 'Ask for a password reset token (answer never tells whether the email exists)',
    request: { body: resetRequestBody }, example: { body: { email: 'ana@example.com' } },
    success: { status: 202, description: 'accepted' },
  },
  {
    method: 'post', path: '/api/v1/auth/password-reset/confirm', access: PUBLIC, tag: 'auth', summary: 'Set a new password with a reset token',
    request: { body: resetConfirmBody }, example: { body: { token: 'pr_0123456789abcdef', password: 'a new long password' } },
    success: { status: 204, description: 'password changed; every session of the user revoked' },
  },
  { method: 'get', path: '/api/v1/auth/me', access: { roles: [...USERS, 'app'] }, tag: 'auth', summary: 'Who the caller is', success: { status: 200, description: '{kind, role, actor, accountId, userId?, appId?}', schema: meAnswer } },
  {
    method: 'post', path: '/api/v1/users', access: ADMIN, tag: 'users', summary: 'Create a staff user (admin, reviewer, finance)',
    request: { body: createUserBody }, example: { body: { email: 'rev@example.com', password: 'reviewer password', name: 'Rev', role: 'reviewer' } },
    success: { status: 201, description: 'the user', schema: userAnswer },
  },
  {
    method: 'get', path: '/api/v1/users', access: ADMIN, tag: 'users', summary: 'List users',
    request: { query: userListQuery }, example: { query: { limit: '10' } }, success: { status: 200, description: '{items, nextCursor}', schema: userListAnswer },
  },
  {
    method: 'patch', path: '/api/v1/users/:id', access: ADMIN, tag: 'users', summary: 'Change a user\'s role, name, or disable it',
    request: { params: idParams, body: patchUserBody }, example: { params: { id: EXAMPLE_ID }, body: { disabled: true } },
    success: { status: 200, description: 'the user', schema: userAnswer },
  },

  // Accounts and their apps.
  {
    method: 'post', path: '/api/v1/accounts', access: ADMIN, tag: 'accounts', summary: 'Create an account',
    request: { body: createAccountBody }, example: { body: { name: 'acme' } }, success: { status: 201, description: '{id, name, balance}', schema: accountAnswer },
  },
  {
    method: 'get', path: '/api/v1/accounts/:id', access: { roles: ['admin', 'finance', 'customer'], scope: { accountParam: 'id' } }, tag: 'accounts', summary: 'An account and its balance',
    request: { params: idParams }, example: { params: { id: EXAMPLE_ID } }, success: { status: 200, description: '{id, name, balance, createdAt}', schema: accountAnswer },
  },
  {
    method: 'post', path: '/api/v1/accounts/:id/credit', access: { roles: ['admin', 'finance'] }, tag: 'accounts', summary: 'Credit an account (a ledger row)',
    request: { params: idParams, body: creditBody }, example: { params: { id: EXAMPLE_ID }, body: { amount: 10000, reference: 'invoice 42' } },
    success: { status: 200, description: '{balance}', schema: balanceAnswer },
  },
  {
    method: 'post', path: '/api/v1/accounts/:id/apps', access: { roles: ['admin', 'customer'], scope: { accountParam: 'id' } }, tag: 'apps', summary: 'Create an app (its secret and SMPP password are shown only here)',
    request: { params: idParams, body: createAppBody }, example: { params: { id: EXAMPLE_ID }, body: { name: 'shop', throughputPerSecond: 50, callbackUrl: 'https://example.com/dlr' } },
    success: { status: 201, description: '{appId, secret, smppSystemId, smppPassword, ...}', schema: createdAppAnswer },
  },
  {
    method: 'get', path: '/api/v1/accounts/:id/apps', access: { roles: ['admin', 'finance', 'customer'], scope: { accountParam: 'id' } }, tag: 'apps', summary: 'The apps of an account (no secrets)',
    request: { params: idParams }, example: { params: { id: EXAMPLE_ID } }, success: { status: 200, description: '{items, nextCursor}', schema: appListAnswer },
  },
  {
    method: 'post', path: '/api/v1/apps/:appId/secret', access: { roles: ['admin', 'customer'], scope: { appParam: 'appId' } }, tag: 'apps', summary: 'Rotate an app\'s secret (the old one stops working)',
    request: { params: appIdParams }, example: { params: { appId: EXAMPLE_APP } }, success: { status: 200, description: '{appId, secret}', schema: rotatedSecretAnswer },
  },

  // Carriers and routing.
  {
    method: 'post', path: '/api/v1/carriers', access: ADMIN, tag: 'carriers', summary: 'Create a carrier',
    request: { body: createCarrierBody }, example: { body: { name: 'carrier-a', host: 'smsc.example.com', port: 2775, systemId: 'gw', password: 'secret' } },
    success: { status: 201, description: 'the carrier (no password)' },
  },
  { method: 'get', path: '/api/v1/carriers', access: ADMIN, tag: 'carriers', summary: 'Carriers with their live state', success: { status: 200, description: '{items, nextCursor}' } },
  {
    method: 'patch', path: '/api/v1/carriers/:id', access: ADMIN, tag: 'carriers', summary: 'Change a carrier',
    request: { params: idParams, body: patchCarrierBody }, example: { params: { id: EXAMPLE_ID }, body: { window: 50 } },
    success: { status: 200, description: 'the carrier' },
  },
  {
    method: 'delete', path: '/api/v1/carriers/:id', access: ADMIN, tag: 'carriers', summary: 'Delete a carrier no route lists',
    request: { params: idParams }, example: { params: { id: EXAMPLE_ID } }, success: { status: 204, description: 'deleted' },
  },
  {
    method: 'put', path: '/api/v1/routes', access: ADMIN, tag: 'routing', summary: 'Replace the routing table atomically',
    request: { body: routesBody }, example: { body: [{ prefix: '98', carriers: ['carrier-a'], price: 5 }] },
    success: { status: 200, description: '{items, nextCursor}' },
  },
  { method: 'get', path: '/api/v1/routes', access: { roles: ['admin', 'finance'] }, tag: 'routing', summary: 'The routing table', success: { status: 200, description: '{items, nextCursor}' } },
  {
    method: 'get', path: '/api/v1/routes/resolve', access: { roles: ['admin', 'finance'] }, tag: 'routing', summary: 'The route a number takes (longest prefix)',
    request: { query: z.object({ to: z.string().min(1).max(32) }) }, example: { query: { to: '989121234567' } },
    success: { status: 200, description: '{to, prefix, carriers, price}' },
  },

  // Dead letters.
  {
    method: 'get', path: '/api/v1/dlq', access: ADMIN, tag: 'dead letters', summary: 'Messages whose dispatch attempts ran out',
    request: { query: dlqListQuery }, example: { query: { limit: '20' } }, success: { status: 200, description: '{items, nextCursor}' },
  },
  {
    method: 'post', path: '/api/v1/dlq/:id/requeue', access: ADMIN, tag: 'dead letters', summary: 'Send a dead letter back to dispatch',
    request: { params: idParams }, example: { params: { id: EXAMPLE_ID } }, success: { status: 202, description: '{id, status, requeues}' },
  },
  {
    method: 'delete', path: '/api/v1/dlq/:id', access: ADMIN, tag: 'dead letters', summary: 'Give up on a dead letter (failed, refunded)',
    request: { params: idParams }, example: { params: { id: EXAMPLE_ID } }, success: { status: 200, description: '{id, status, errorCode, refunded}' },
  },

  // Messages.
  {
    method: 'post', path: '/api/v1/messages', access: { roles: ['app'] }, tag: 'messages', summary: 'Submit a message to one or more numbers',
    request: { body: submitBody }, example: { body: { to: '+989121234567', text: 'Hello from smsgw', reference: 'order-1' } },
    success: { status: 202, description: '{messages: [{id, to, parts, encoding, price, status}]}' },
  },
  {
    method: 'get', path: '/api/v1/messages/:id', access: { roles: ['admin', 'app', 'customer'], scope: 'own' }, tag: 'messages',
    summary: 'A message with its events and partDetails (customers and apps: own account only; admins: any, with each part\'s carrier cost)',
    request: { params: idParams }, example: { params: { id: EXAMPLE_ID } }, success: { status: 200, description: 'the message, its events and partDetails [{index, carrier, carrierMessageId, status, delivered, submittedAt, doneAt, errorCode, cost (admin only)}]' },
  },
  {
    method: 'get', path: '/api/v1/messages', access: { roles: ['admin', 'app', 'customer'], scope: 'own' }, tag: 'messages',
    summary: 'Messages, newest first, by status, number, app and time (an app sees its own, a customer its account\'s apps, an admin every account or one by accountId; finance reads reports, not message content)',
    request: { query: listQuery },
    example: { query: { status: 'delivered', appId: EXAMPLE_APP, since: '2026-11-01T00:00:00Z', until: '2026-12-01T00:00:00Z', limit: '20' } },
    success: { status: 200, description: '{items, nextCursor}' },
  },
  { method: 'get', path: '/api/v1/balance', access: { roles: ['app', 'customer'], scope: 'own' }, tag: 'messages', summary: 'The balance of the caller\'s account', success: { status: 200, description: '{balance}', schema: balanceAnswer } },
  {
    method: 'post', path: '/api/v1/messages/:id/cancel', access: { roles: ['admin', 'app'], scope: 'own' }, tag: 'messages',
    summary: 'Cancel a message no carrier has yet (accepted, scheduled, held, queued): rejected CANCELLED, refunded; 409 when a carrier has it or it is final',
    request: { params: idParams }, example: { params: { id: EXAMPLE_ID } }, success: { status: 200, description: '{id, status, errorCode, refunded}' },
  },

  // Batches (campaigns) and scheduled sending (issue 10, docs/campaigns.md).
  {
    method: 'post', path: '/api/v1/batches', access: { roles: ['app'] }, tag: 'batches',
    summary: 'Send one text or template to up to 100,000 numbers (JSON, or a text/csv body with the other fields as query parameters); expanded in the background',
    request: { body: batchBody },
    example: { body: { to: ['+989121234567', '+989121234568'], text: 'Our shop opens at 9', scheduleAt: '2026-12-01T09:00:00+03:30' } },
    success: { status: 202, description: '{batchId, accepted, refused: [{to, reason}], price, scheduleAt}' },
  },
  {
    method: 'get', path: '/api/v1/batches', access: { roles: ['admin', 'app', 'customer'], scope: 'own' }, tag: 'batches',
    summary: 'Batches, newest first (an app sees its own, a customer its account\'s)', request: { query: batchListQuery },
    example: { query: { limit: '20' } }, success: { status: 200, description: '{items, nextCursor}' },
  },
  {
    method: 'get', path: '/api/v1/batches/:id', access: { roles: ['admin', 'app', 'customer'], scope: 'own' }, tag: 'batches',
    summary: 'A batch\'s progress: state, per-status counts, cancelled, refunded, charged, refundedAmount, cost',
    request: { params: idParams }, example: { params: { id: EXAMPLE_ID } },
    success: { status: 200, description: '{id, state, total, created, accepted, held, queued, submitted, delivered, undelivered, expired, failed, rejected, cancelled, refunded, charged, refundedAmount, cost, scheduleAt, createdAt, cancelledAt}' },
  },
  {
    method: 'get', path: '/api/v1/batches/:id/messages', access: { roles: ['admin', 'app', 'customer'], scope: 'own' }, tag: 'batches',
    summary: 'A batch\'s messages, newest first, by status', request: { params: idParams, query: batchMessagesQuery },
    example: { params: { id: EXAMPLE_ID }, query: { status: 'delivered', limit: '100' } }, success: { status: 200, description: '{items, nextCursor}' },
  },
  {
    method: 'post', path: '/api/v1/batches/:id/cancel', access: { roles: ['admin', 'app', 'customer'], scope: 'own' }, tag: 'batches',
    summary: 'Cancel a batch: nothing more is created; what no carrier has yet ends rejected CANCELLED and refunded',
    request: { params: idParams }, example: { params: { id: EXAMPLE_ID } }, success: { status: 200, description: '{cancelled, refunded, batch: <progress>}' },
  },

  // Audit.
  {
    method: 'get', path: '/api/v1/audit', access: ADMIN, tag: 'audit', summary: 'Who changed what, newest first',
    request: { query: auditQuery }, example: { query: { entity: 'route', limit: '20' } }, success: { status: 200, description: '{items, nextCursor}', schema: auditListAnswer },
  },

  // Dead letters in bulk, queues and carrier pauses (operations).
  { method: 'post', path: '/api/v1/dlq/requeue-all', access: ADMIN, tag: 'dead letters', summary: 'Requeue every dead letter', success: { status: 202, description: '{requeued}' } },
  { method: 'post', path: '/api/v1/dlq/discard-all', access: ADMIN, tag: 'dead letters', summary: 'Give up on every dead letter (failed, refunded)', success: { status: 200, description: '{discarded}' } },
  { method: 'get', path: '/api/v1/queues', access: ADMIN, tag: 'queues', summary: 'Per queue: counts, oldest waiting age, rate, growing backlog flag', success: { status: 200, description: '{items}' } },
  ...(['pause', 'resume', 'retry-failed'] as const).map(
    (verb): ApiRoute => ({
      method: 'post', path: `/api/v1/queues/:name/${verb}`, access: ADMIN, tag: 'queues', summary: `${verb === 'retry-failed' ? 'Retry the failed jobs of' : verb === 'pause' ? 'Pause' : 'Resume'} a queue`,
      request: { params: queueParams }, example: { params: { name: 'dispatch' } }, success: { status: 200, description: 'the queue' },
    }),
  ),
  ...(['pause', 'resume'] as const).map(
    (verb): ApiRoute => ({
      method: 'post', path: `/api/v1/carriers/:id/${verb}`, access: ADMIN, tag: 'carriers', summary: `${verb === 'pause' ? 'Pause' : 'Resume'} dispatch to a carrier`,
      request: { params: idParams }, example: { params: { id: EXAMPLE_ID } }, success: { status: 200, description: 'the carrier state' },
    }),
  ),
  { method: 'get', path: '/api/v1/stream/stats', access: ADMIN, tag: 'queues', summary: 'Live statistics (server-sent events)', produces: 'text/event-stream', success: { status: 200, description: 'an event stream' } },

  // Reports.
  {
    method: 'get', path: '/api/v1/reports', access: { roles: ['admin', 'finance', 'customer'], scope: 'own' }, tag: 'reports',
    summary: 'Messages, parts, revenue, cost, margin, delivery ratio and latency per group (customers: their account, without cost and margin)',
    request: { query: reportQuery }, example: { query: { groupBy: 'day', format: 'json' } }, success: { status: 200, description: '{from, to, groupBy, rolledUpAt, items} or CSV' },
  },

  // Content rules, held review, templates.
  {
    method: 'post', path: '/api/v1/rules', access: REVIEW, tag: 'rules', summary: 'Create a content rule',
    request: { body: createRuleBody }, example: { body: { name: 'no lottery', kind: 'keyword', keywords: ['lottery'], action: 'hold' } }, success: { status: 201, description: 'the rule' },
  },
  { method: 'get', path: '/api/v1/rules', access: REVIEW, tag: 'rules', summary: 'Content rules', request: { query: ruleListQuery }, example: { query: { limit: '50' } }, success: { status: 200, description: '{items, nextCursor}' } },
  {
    method: 'delete', path: '/api/v1/rules/:id', access: REVIEW, tag: 'rules', summary: 'Delete a content rule',
    request: { params: idParams }, example: { params: { id: EXAMPLE_ID } }, success: { status: 204, description: 'deleted' },
  },
  { method: 'get', path: '/api/v1/review/held', access: REVIEW, tag: 'review', summary: 'Messages held for review', request: { query: heldListQuery }, example: { query: { limit: '20' } }, success: { status: 200, description: '{items, nextCursor}' } },
  ...(['approve', 'reject'] as const).map(
    (verb): ApiRoute => ({
      method: 'post', path: `/api/v1/review/held/:id/${verb}`, access: REVIEW, tag: 'review', summary: `${verb === 'approve' ? 'Approve' : 'Reject'} a held message`,
      request: { params: idParams, body: decisionBody }, example: { params: { id: EXAMPLE_ID }, body: { reason: 'checked by hand' } }, success: { status: 200, description: 'the message' },
    }),
  ),
  { method: 'get', path: '/api/v1/templates', access: REVIEW, tag: 'templates', summary: 'Templates of every app', request: { query: templateListQuery }, example: { query: { status: 'pending' } }, success: { status: 200, description: '{items, nextCursor}' } },
  {
    method: 'get', path: '/api/v1/templates/:id', access: REVIEW, tag: 'templates', summary: 'A template',
    request: { params: idParams }, example: { params: { id: EXAMPLE_ID } }, success: { status: 200, description: 'the template' },
  },
  ...(['approve', 'reject'] as const).map(
    (verb): ApiRoute => ({
      method: 'post', path: `/api/v1/templates/:id/${verb}`, access: REVIEW, tag: 'templates', summary: `${verb === 'approve' ? 'Approve' : 'Reject'} a template`,
      request: { params: idParams, body: decisionBody }, example: { params: { id: EXAMPLE_ID }, body: {} }, success: { status: 200, description: 'the template' },
    }),
  ),
  {
    method: 'delete', path: '/api/v1/templates/:id', access: REVIEW, tag: 'templates', summary: 'Delete a template',
    request: { params: idParams }, example: { params: { id: EXAMPLE_ID } }, success: { status: 204, description: 'deleted' },
  },
  {
    method: 'post', path: '/api/v1/apps/:appId/templates', access: OWN_APP, tag: 'templates', summary: 'Submit a template for approval',
    request: { params: appIdParams, body: createTemplateBody }, example: { params: { appId: EXAMPLE_APP }, body: { name: 'otp', body: 'Your code is {{code}}' } },
    success: { status: 201, description: 'the template (pending)' },
  },
  {
    method: 'get', path: '/api/v1/apps/:appId/templates', access: OWN_APP, tag: 'templates', summary: 'An app\'s templates',
    request: { params: appIdParams, query: templateListQuery.omit({ appId: true }) }, example: { params: { appId: EXAMPLE_APP }, query: { limit: '20' } },
    success: { status: 200, description: '{items, nextCursor}' },
  },
  {
    method: 'delete', path: '/api/v1/apps/:appId/templates/:id', access: OWN_APP, tag: 'templates', summary: 'Delete one of an app\'s templates',
    request: { params: appIdParams.merge(idParams) }, example: { params: { appId: EXAMPLE_APP, id: EXAMPLE_ID } }, success: { status: 204, description: 'deleted' },
  },

  // Money: ledger, rates, credit limit, billing log.
  {
    method: 'get', path: '/api/v1/accounts/:id/ledger', access: { roles: ['admin', 'finance', 'customer'], scope: { accountParam: 'id' } }, tag: 'billing', summary: 'An account\'s ledger rows and balance',
    request: { params: idParams, query: ledgerQuery }, example: { params: { id: EXAMPLE_ID }, query: { limit: '50' } }, success: { status: 200, description: '{balance, items, nextCursor}' },
  },
  {
    method: 'get', path: '/api/v1/accounts/:id/rates', access: FINANCE, tag: 'billing', summary: 'An account\'s price overrides by prefix',
    request: { params: idParams }, example: { params: { id: EXAMPLE_ID } }, success: { status: 200, description: '{items}' },
  },
  {
    method: 'put', path: '/api/v1/accounts/:id/rates', access: FINANCE, tag: 'billing', summary: 'Replace an account\'s price overrides',
    request: { params: idParams, body: ratesBody }, example: { params: { id: EXAMPLE_ID }, body: [{ prefix: '98', price: 4 }] }, success: { status: 200, description: '{items}' },
  },
  {
    method: 'patch', path: '/api/v1/accounts/:id', access: FINANCE, tag: 'billing', summary: 'Change an account\'s credit limit and dispatch rate cap',
    request: { params: idParams, body: patchAccountBody }, example: { params: { id: EXAMPLE_ID }, body: { creditLimit: 5000, dispatchRatePerSecond: 50 } }, success: { status: 200, description: 'the account' },
  },
  {
    method: 'get', path: '/api/v1/billing', access: { roles: ['app'] }, tag: 'billing', summary: 'The calling app\'s charges and refunds',
    request: { query: billingQuery }, example: { query: { limit: '50' } }, success: { status: 200, description: '{items, nextCursor}' },
  },

  // Numbers, quotas, MO, dead callbacks.
  {
    method: 'post', path: '/api/v1/apps/:appId/numbers', access: OWN_APP_STAFF, tag: 'numbers', summary: 'Assign a number (and keyword) to an app for MO routing',
    request: { params: appIdParams, body: addNumberBody }, example: { params: { appId: EXAMPLE_APP }, body: { number: '+98 30001234', keyword: 'STOP' } },
    success: { status: 201, description: 'the number' },
  },
  {
    method: 'get', path: '/api/v1/apps/:appId/numbers', access: OWN_APP_STAFF, tag: 'numbers', summary: 'An app\'s numbers',
    request: { params: appIdParams }, example: { params: { appId: EXAMPLE_APP } }, success: { status: 200, description: '{items}' },
  },
  {
    method: 'delete', path: '/api/v1/apps/:appId/numbers/:numberId', access: OWN_APP_STAFF, tag: 'numbers', summary: 'Release a number',
    request: { params: appIdParams.extend({ numberId: z.string().min(1).max(64) }) }, example: { params: { appId: EXAMPLE_APP, numberId: EXAMPLE_ID } },
    success: { status: 204, description: 'released' },
  },
  {
    method: 'patch', path: '/api/v1/apps/:appId', access: OWN_APP_STAFF, tag: 'apps',
    summary: 'Change an app\'s throughput, callback and MO URLs, senders and monthly quota (audited; a customer may lower limits, only an admin raises them)',
    request: { params: appIdParams, body: patchAppBody },
    example: { params: { appId: EXAMPLE_APP }, body: { throughputPerSecond: 20, callbackUrl: 'https://example.com/dlr', moUrl: null, senders: ['SHOP'], monthlyQuota: 100000 } },
    success: { status: 200, description: '{appId, name, throughputPerSecond, callbackUrl, moUrl, senders, monthlyQuota, month, used}' },
  },
  {
    method: 'get', path: '/api/v1/apps/:appId/quota', access: { roles: ['admin', 'finance', 'customer'], scope: { appParam: 'appId' } }, tag: 'apps', summary: 'An app\'s monthly quota and use',
    request: { params: appIdParams }, example: { params: { appId: EXAMPLE_APP } }, success: { status: 200, description: '{monthlyQuota, used, month}' },
  },
  {
    method: 'get', path: '/api/v1/mo', access: { roles: ['admin', 'app'] }, tag: 'mo', summary: 'Inbound (MO) messages (an app sees its own)',
    request: { query: moQuery }, example: { query: { limit: '20' } }, success: { status: 200, description: '{items, nextCursor}' },
  },
  {
    method: 'get', path: '/api/v1/callbacks/dead', access: { roles: ['admin', 'app'] }, tag: 'callbacks', summary: 'Status callbacks and MO webhooks that ran out of attempts (an app sees its own)',
    request: { query: deadQuery }, example: { query: { limit: '20' } }, success: { status: 200, description: '{items, nextCursor}' },
  },
  {
    method: 'post', path: '/api/v1/callbacks/dead/:id/retry', access: { roles: ['admin', 'app'] }, tag: 'callbacks', summary: 'Send a dead callback again',
    request: { params: numericIdParams }, example: { params: { id: '42' } }, success: { status: 202, description: 'requeued' },
  },
  {
    method: 'delete', path: '/api/v1/callbacks/dead/:id', access: { roles: ['admin', 'app'] }, tag: 'callbacks', summary: 'Drop a dead callback',
    request: { params: numericIdParams }, example: { params: { id: '42' } }, success: { status: 204, description: 'dropped' },
  },
];
