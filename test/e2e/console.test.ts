/**
 * The web console end to end, in headless Chromium against a real gateway
 * (PostgreSQL, Redis, BullMQ workers, the built-in SMSC simulator): an
 * operator signs in, creates an account and an app, sends a test message,
 * watches it become delivered, edits the routing table and resolves a number
 * with it, runs a campaign to completion and cancels a scheduled one. Each page is saved as a screenshot (docs/screenshots/ with
 * UPDATE_SCREENSHOTS=1, see browser.ts). Steps run in order and
 * share one browser and one gateway.
 *
 * Chromium comes from Debian's package (scripts/services.sh installs it
 * before the suite); without it this file fails rather than skips.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, eventually, request, startTestGateway, type TestGateway } from '../helpers/gateway';
import { buildConsole, launchBrowser, screenshot, type Browser } from './browser';

const STEP_MS = 90_000;

async function nav(page: Page, label: string): Promise<void> {
  await page.getByRole('navigation').getByRole('link', { name: label, exact: true }).click();
  await page.getByRole('heading', { level: 1 }).filter({ hasText: label.split(' ')[0]! }).first().waitFor();
}

describe('web console in Chromium', () => {
  let t: TestGateway;
  let browser: Browser;
  let page: Page;
  let messageId = '';
  let accountId = '';
  /** What the completed campaign cost the account (minor units); the finance steps expect the balance without it. */
  let campaignCost = 0;
  const balanceAfterCampaign = () => (9_995 - campaignCost).toLocaleString('en-US');

  beforeAll(async () => {
    buildConsole();
    // The report rollup every second (60 s in production), so the reports page has figures.
    t = await startTestGateway({ rollupIntervalMs: 1_000 });
    browser = await launchBrowser();
    page = browser.page;
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('an operator signs in with the operator token and sees the live dashboard', async () => {
    await page.goto(`${t.base}/console/`);
    await page.getByLabel('Operator token (ADMIN_TOKEN)').fill('wrong-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'UNAUTHENTICATED' }).waitFor();

    await page.getByLabel('Operator token (ADMIN_TOKEN)').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').filter({ hasText: 'operator token' }).waitFor();
    // The server-sent events stream is open and has filled in the carrier table.
    await page.getByTestId('stream-state').filter({ hasText: 'live' }).waitFor();
    await page.getByTestId('dash-carrier-simulator').waitFor();
  }, STEP_MS);

  it('creates an account, credits it and creates an app whose credentials are shown once', async () => {
    await nav(page, 'Accounts & apps');
    await page.locator('input[name="account-name"]').fill('Console Test Ltd');
    await page.getByRole('button', { name: 'Create account' }).click();
    accountId = (await page.getByTestId('account-id').textContent()) ?? '';
    expect(accountId).toMatch(/^[0-9a-f-]{36}$/);

    await page.locator('input[name="credit-amount"]').fill('10000');
    await page.locator('input[name="credit-reference"]').fill('e2e');
    await page.getByRole('button', { name: 'Credit', exact: true }).click();
    await page.getByTestId('account-balance').filter({ hasText: '10,000' }).waitFor();

    await page.locator('input[name="app-name"]').fill('console-e2e');
    await page.getByRole('button', { name: 'Create app' }).click();
    const appId = (await page.getByTestId('cred-appid').textContent()) ?? '';
    const secret = (await page.getByTestId('cred-secret').textContent()) ?? '';
    expect(appId).toMatch(/^[0-9a-f-]{36}$/);
    expect(secret.length).toBeGreaterThan(20);
    // The API agrees: the account exists with the credited balance.
    const account = await t.admin('GET', `/api/v1/accounts/${accountId}`);
    expect(account.body.balance).toBe(10_000);
    await screenshot(page, 'accounts');

    // With the users-and-keys backend: the app is listed and its secret can be rotated (the console keeps the new one).
    {
      await page.getByTestId('credentials').getByRole('button', { name: 'I have copied them' }).click();
      const row = page.getByTestId('apps-table').locator('tr', { hasText: appId });
      page.once('dialog', (dialog) => void dialog.accept());
      await row.getByRole('button', { name: 'rotate secret' }).click();
      const rotated = (await page.getByTestId('rotated-secret').textContent()) ?? '';
      expect(rotated).not.toBe(secret);
      expect((await t.asApp({ appId, secret: rotated, smppSystemId: '', smppPassword: '' }, 'GET', '/api/v1/balance')).status).toBe(200);
      expect((await t.asApp({ appId, secret, smppSystemId: '', smppPassword: '' }, 'GET', '/api/v1/balance')).status).toBe(401);
      await page.getByTestId('rotated').getByRole('button', { name: 'I have copied it' }).click();
    }
    // The app's settings: throughput and callback URL, an MO number with a keyword, a monthly quota, a template.
    {
      await page.getByTestId('apps-table').locator('tr', { hasText: appId }).getByRole('button', { name: 'settings' }).click();
      const settings = page.getByTestId('app-settings');
      // The app's throughput, callback URL and senders after creation (PATCH /apps/:appId).
      await settings.getByLabel('Messages per second').fill('250');
      await settings.getByLabel('Callback URL (empty: none)').fill('https://example.com/dlr');
      await settings.getByRole('button', { name: 'Save settings' }).click();
      await settings.getByTestId('settings-saved').waitFor();
      await page.getByTestId('apps-table').locator('tr', { hasText: appId }).filter({ hasText: 'https://example.com/dlr' }).filter({ hasText: '250' }).waitFor();
      expect((await t.admin('GET', `/api/v1/accounts/${accountId}/apps`)).body.items[0]).toMatchObject({ throughputPerSecond: 250, callbackUrl: 'https://example.com/dlr' });
      await settings.getByLabel('Number or short code').fill('3000');
      await settings.getByLabel('Keyword (optional)').fill('info');
      await settings.getByRole('button', { name: 'Add number' }).click();
      await settings.locator('li', { hasText: '3000' }).filter({ hasText: 'INFO' }).waitFor();
      await settings.getByLabel('New quota (empty: none)').fill('50000');
      await settings.getByRole('button', { name: 'Set quota' }).click();
      await settings.getByText('50,000 messages').waitFor();
      // A template for the app, with a per-number rate policy: it waits for a reviewer's approval.
      const templates = settings.getByTestId('app-templates');
      await templates.getByLabel('Name').fill('otp');
      await templates.getByLabel('Text, with {placeholders}').fill('Your code is {code}');
      await templates.getByLabel('Per number per minute').fill('1');
      await templates.getByRole('button', { name: 'Submit template' }).click();
      await templates.getByTestId('template-otp').filter({ hasText: 'pending' }).filter({ hasText: '1/min' }).waitFor();
      const stored = (await t.admin('GET', `/api/v1/apps/${appId}/templates`)).body.items;
      expect(stored).toEqual([expect.objectContaining({ name: 'otp', body: 'Your code is {code}', status: 'pending', ratePolicy: expect.objectContaining({ perMinute: 1 }) })]);
      await screenshot(page, 'accounts-app-settings');
    }
  }, STEP_MS);

  it('sends a test message and watches it become delivered on the messages page', async () => {
    await nav(page, 'Send test');
    await page.locator('input[name="send-to"]').fill('+98 912 123 4567');
    await page.getByTestId('estimate').filter({ hasText: '1 part' }).waitFor();
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const link = page.getByTestId('send-result').getByRole('link');
    await link.or(page.getByRole('alert')).waitFor();
    if (await page.getByRole('alert').isVisible()) throw new Error(`send failed: ${await page.getByRole('alert').textContent()}`);
    messageId = (await link.textContent()) ?? '';
    expect(messageId).toMatch(/^[0-9a-f-]{36}$/);
    await screenshot(page, 'send-test');

    await nav(page, 'Messages');
    const row = page.getByTestId(`msg-${messageId}`);
    await row.locator('.badge', { hasText: 'delivered' }).waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toContain('+989121234567');
    await screenshot(page, 'messages');

    // Search by status and number keeps it; another number does not.
    await page.locator('select[name="status"]').selectOption('delivered');
    await row.waitFor();
    await page.locator('input[name="to"]').fill('+447700900999');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No messages.').waitFor();
    await page.locator('input[name="to"]').fill('989121234567');
    await page.getByRole('button', { name: 'Search' }).click();
    await row.waitFor();
    // By account and app (the operator searches every account), and by time: a window after it hides it.
    await page.locator('select[name="accountId"]').selectOption(accountId);
    await page.locator('select[name="appId"] option', { hasText: 'console-e2e' }).waitFor({ state: 'attached' });
    await page.locator('select[name="appId"]').selectOption({ label: (await page.locator('select[name="appId"] option', { hasText: 'console-e2e' }).textContent()) ?? '' });
    await row.waitFor();
    await page.locator('input[name="since"]').fill('2999-01-01T00:00');
    await page.getByText('No messages.').waitFor();
    await page.locator('input[name="since"]').fill('2000-01-01T00:00');
    await row.waitFor();

    // The detail page: the event timeline and the parts.
    await row.getByRole('link').click();
    await page.getByTestId('detail-status').filter({ hasText: 'delivered' }).waitFor();
    const timeline = (await page.getByTestId('timeline').textContent()) ?? '';
    for (const status of ['accepted', 'queued', 'submitted', 'delivered']) expect(timeline).toContain(status);
    await page.getByText('1 × GSM 7-bit').waitFor();
    // Its parts as the carrier took them, with the carrier's cost (the operator sees it).
    await page.getByTestId('part-details').locator('tbody tr', { hasText: 'simulator' }).filter({ hasText: 'delivered' }).waitFor();
    await screenshot(page, 'message-detail');
  }, STEP_MS);

  it('edits the routing table (refusing an invalid row first) and resolves a number with it', async () => {
    await nav(page, 'Carriers & routes');
    await page.getByTestId('carrier-simulator').waitFor();
    await page.getByRole('button', { name: 'Add route' }).click();
    const rows = page.getByTestId('routes-table').locator('tbody tr');
    const last = rows.last();
    await last.getByLabel('prefix').fill('4477');
    await last.getByLabel('carriers').fill('no-such-carrier');
    await last.getByLabel('price').fill('7');
    // Validated before saving: the unknown carrier is named and Save is off.
    await page.getByText('no carrier named "no-such-carrier"').waitFor();
    expect(await page.getByTestId('save-routes').isDisabled()).toBe(true);
    await last.getByLabel('carriers').fill('simulator');
    await page.getByTestId('routes-invalid').waitFor({ state: 'detached' });
    await page.getByTestId('save-routes').click();
    await page.getByTestId('routes-saved').waitFor();

    const routes = await t.admin('GET', '/api/v1/routes');
    expect(routes.body.items.map((r: { prefix: string }) => r.prefix).sort()).toEqual(['', '4477']);

    await page.locator('input[name="resolve-to"]').fill('+44 7700 900123');
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByTestId('resolve-prefix').filter({ hasText: '4477' }).waitFor();
    expect(await page.getByTestId('resolve-price').textContent()).toBe('7');
    expect(await page.getByTestId('resolve-carriers').textContent()).toBe('simulator');
    await screenshot(page, 'carriers-routes');
  }, STEP_MS);

  it('the dashboard follows traffic live: throughput, delivered total and ratio', async () => {
    await nav(page, 'Dashboard');
    await page.getByTestId('stream-state').filter({ hasText: 'live' }).waitFor();
    await page.getByTestId('tile-delivered').filter({ hasText: /^\D*1$/ }).waitFor();
    // Some traffic while the page watches: 12 requests of 5 numbers, a quarter of a second apart (pacing, not waiting).
    const load = await t.customer(100_000);
    for (let i = 0; i < 12; i++) {
      const to = Array.from({ length: 5 }, (_, k) => `+98912${String(1_000_000 + i * 10 + k)}`);
      expect((await t.asApp(load.creds, 'POST', '/api/v1/messages', { to, text: `load ${i}` })).status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await page.getByTestId('tile-delivered').filter({ hasText: /^\D*61$/ }).waitFor({ timeout: 30_000 });
    await page.getByTestId('tile-ratio').filter({ hasText: '100.0 %' }).waitFor();
    const inRate = await page.getByTestId('tile-in').textContent();
    expect(inRate).toMatch(/\d/);
    await screenshot(page, 'dashboard');
  }, STEP_MS);

  it('the review workbench: a held message approved with a, another rejected with r and a reason, a template approved', async () => {
    const rule = await t.admin('POST', '/api/v1/rules', { name: 'e2e-hold', kind: 'keyword', keywords: ['holdme'], action: 'hold' });
    expect(rule.status).toBe(201);
    const customer = await t.customer(1_000);
    // A new rule reaches the compiled rule set within about a second: send until one is held.
    const heldId = await eventually(
      async () => {
        const sent = await t.asApp(customer.creds, 'POST', '/api/v1/messages', { to: '+989121234567', text: 'please holdme for review' });
        expect(sent.status).toBe(202);
        const id: string = sent.body.messages[0].id;
        const status = await eventually(async () => {
          const m = await t.asApp(customer.creds, 'GET', `/api/v1/messages/${id}`);
          return m.body.status === 'accepted' ? undefined : (m.body.status as string);
        });
        return status === 'held' ? id : undefined;
      },
      20_000,
      'a message held by the new rule',
    );
    // A template waiting for approval.
    const template = await t.asApp(customer.creds, 'POST', `/api/v1/apps/${customer.creds.appId}/templates`, { name: 'welcome', body: 'Welcome to ACME' });
    // Reload the capabilities (the console asks at sign-in) by reloading the page.
    await page.reload();
    await nav(page, 'Review');
    await page.getByTestId(`held-${heldId}`).click({ timeout: 30_000 }).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\npage: ${await page.locator('main').innerText()}\nheld: ${JSON.stringify((await t.admin('GET', '/api/v1/review/held')).body)}\nmessage: ${JSON.stringify((await t.asApp(customer.creds, 'GET', `/api/v1/messages/${heldId}`)).body)}`);
    });
    await screenshot(page, 'review');
    await page.keyboard.press('a');
    await page.getByTestId(`held-${heldId}`).waitFor({ state: 'detached' });
    const after = await t.asApp(customer.creds, 'GET', `/api/v1/messages/${heldId}`);
    expect(after.body.status).not.toBe('held');

    // A second one is rejected with a reason, by keyboard: r focuses the reason, Enter rejects.
    const second = await t.asApp(customer.creds, 'POST', '/api/v1/messages', { to: '+989121234568', text: 'holdme again' });
    const secondId: string = second.body.messages[0].id;
    await page.getByTestId(`held-${secondId}`).click({ timeout: 20_000 });
    await page.keyboard.press('r');
    await page.keyboard.type('looks like spam');
    await page.keyboard.press('Enter');
    await page.getByTestId(`held-${secondId}`).waitFor({ state: 'detached' });
    const rejected = await t.asApp(customer.creds, 'GET', `/api/v1/messages/${secondId}`);
    expect(rejected.body.status).toBe('rejected');
    expect(JSON.stringify(rejected.body.events)).toContain('looks like spam');

    expect(template.status).toBe(201);
    if (template.status === 201) {
      const row = page.getByTestId('templates-table').locator('tr', { hasText: 'Welcome to ACME' });
      await row.getByRole('button', { name: 'Approve' }).click();
      await row.waitFor({ state: 'detached' });
      expect((await t.admin('GET', `/api/v1/templates/${template.body.id}`)).body.status).toBe('approved');
    }
  }, STEP_MS);

  it('campaigns: 20 numbers sent as the app are watched to completion; a scheduled one of 60 from a CSV file is paged through and cancelled from its page', async () => {
    await nav(page, 'Campaigns');
    const form = page.getByTestId('campaign-form');
    const numbers = Array.from({ length: 18 }, (_, i) => `+98912${2_000_000 + i}`);
    // One invalid number and one duplicate: 20 lines, 18 accepted.
    await form.locator('textarea[name="campaign-numbers"]').fill([...numbers.slice(0, 9), 'not-a-number', ...numbers.slice(9), numbers[3]].join('\n'));
    await form.locator('textarea[name="campaign-text"]').fill('Spring sale');
    await form.getByRole('button', { name: 'Send campaign' }).click();
    const result = page.getByTestId('campaign-result');
    await result.or(page.getByRole('alert')).waitFor();
    if (await page.getByRole('alert').isVisible()) throw new Error(`campaign refused: ${await page.getByRole('alert').textContent()}`);
    expect(await result.getByTestId('campaign-accepted').textContent()).toBe('18');
    const refused = result.getByTestId('campaign-refused');
    await refused.locator('tr', { hasText: 'not-a-number' }).filter({ hasText: 'invalid_number' }).waitFor();
    await refused.locator('tr', { hasText: 'duplicate' }).waitFor();
    const batchId = (await result.getByRole('link').textContent()) ?? '';
    expect(batchId).toMatch(/^[0-9a-f-]{36}$/);
    const price = Number((await result.getByTestId('campaign-price').textContent())?.replace(/,/g, ''));

    // The list refreshes by itself until the campaign is completed, every message delivered.
    const row = page.getByTestId(`batch-${batchId}`);
    await row.getByTestId('batch-state').filter({ hasText: 'completed' }).waitFor({ timeout: 60_000 });
    expect(await row.getByTestId('batch-delivered').textContent()).toBe('18');
    const done = (await t.admin('GET', `/api/v1/batches/${batchId}`)).body;
    expect(done).toMatchObject({ state: 'completed', total: 18, delivered: 18, cancelled: 0, cost: price });
    campaignCost = done.cost;
    await screenshot(page, 'campaigns');

    // Its detail lists its messages, each linking to the message page.
    await row.getByRole('link').click();
    await page.getByTestId('detail-batch-state').filter({ hasText: 'completed' }).waitFor();
    expect(await page.getByRole('button', { name: 'Cancel campaign' }).count()).toBe(0);
    expect(await page.getByTestId('batch-messages').locator('tbody tr', { hasText: 'delivered' }).count()).toBe(18);
    await page.getByTestId('batch-messages').getByRole('link').first().click();
    await page.getByTestId('detail-status').filter({ hasText: 'delivered' }).waitFor();

    // A second campaign from a CSV file of 60 numbers, an hour ahead: its page lists the messages 50 at a time;
    // it is cancelled from there before it goes out, and nothing is charged.
    await nav(page, 'Campaigns');
    const at = new Date(Date.now() + 3_600_000);
    const later = Array.from({ length: 60 }, (_, i) => `+98913${3_000_000 + i}`);
    const pad = (n: number) => String(n).padStart(2, '0');
    await form.locator('input[name="campaign-csv"]').setInputFiles({ name: 'later.csv', mimeType: 'text/csv', buffer: Buffer.from(`to\r\n${later.join('\r\n')}\r\n`) });
    expect(await form.locator('textarea[name="campaign-numbers"]').isDisabled()).toBe(true);
    await form.locator('textarea[name="campaign-text"]').fill('Later sale');
    await form.locator('input[name="campaign-schedule"]').fill(`${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`);
    await form.getByRole('button', { name: 'Send campaign' }).click();
    await result.getByRole('link').filter({ hasNotText: batchId }).waitFor();
    const scheduledId = (await result.getByRole('link').textContent()) ?? '';
    expect((await t.admin('GET', `/api/v1/batches/${scheduledId}`)).body.scheduleAt).not.toBeNull();
    await result.getByRole('link').click();
    await page.getByTestId('detail-batch-state').filter({ hasText: 'scheduled' }).waitFor();
    const rows = page.getByTestId('batch-messages').locator('tbody tr', { hasText: 'accepted' });
    // Expanded in the background; the page refreshes itself until the 50 newest are listed.
    await page.getByRole('heading', { name: 'Messages 1–50, newest first' }).waitFor();
    expect(await rows.count()).toBe(50);
    const newest = await rows.first().textContent();
    await page.getByRole('button', { name: 'Older →' }).click();
    await page.getByRole('heading', { name: 'Messages 51–60, newest first' }).waitFor();
    expect(await rows.count()).toBe(10);
    expect(await page.getByRole('button', { name: 'Older →' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: '← Newer' }).click();
    await page.getByRole('heading', { name: 'Messages 1–50, newest first' }).waitFor();
    expect(await rows.first().textContent()).toBe(newest);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Cancel campaign' }).click();
    await page.getByTestId('cancel-answer').filter({ hasText: 'Cancelled 60 messages' }).waitFor();
    await page.getByTestId('detail-batch-state').filter({ hasText: 'cancelled' }).waitFor();
    expect(await page.getByTestId('detail-batch-cost').textContent()).toBe('0');
    const cancelled = (await t.admin('GET', `/api/v1/batches/${scheduledId}`)).body;
    expect(cancelled).toMatchObject({ state: 'cancelled', total: 60, cancelled: 60, cost: 0 });
    await nav(page, 'Campaigns');
    await page.getByTestId(`batch-${scheduledId}`).getByTestId('batch-state').filter({ hasText: 'cancelled' }).waitFor();
    expect(await page.getByTestId(`batch-${scheduledId}`).getByTestId('batch-cost').textContent()).toBe('0');
  }, STEP_MS);

  it('finance shows the account\'s ledger; reports chart the traffic and export CSV', async () => {
    await nav(page, 'Finance');
    await page.locator('input[name="finance-account"]').fill(accountId);
    await page.getByRole('button', { name: 'Show' }).click();
    {
      const table = page.getByTestId('ledger-table');
      await table.locator('tr', { hasText: 'credit' }).filter({ hasText: '10,000' }).waitFor();
      // The test message's charge (the campaign's messages have one row each too).
      await table.locator('tr', { hasText: messageId }).filter({ hasText: 'charge' }).filter({ hasText: '-5' }).waitFor();
      await page.getByTestId('ledger-balance').filter({ hasText: balanceAfterCampaign() }).waitFor();
    }
    // The account's limits (PATCH /accounts/:id), read back through the API and in the ledger's header.
    await page.locator('input[name="finance-credit-limit"]').fill('5000');
    await page.locator('input[name="finance-dispatch-cap"]').fill('50');
    await page.getByRole('button', { name: 'Save limits' }).click();
    await page.getByTestId('limits-saved').filter({ hasText: '50 messages per second' }).filter({ hasText: 'Credit limit 5,000' }).waitFor();
    expect((await t.admin('GET', `/api/v1/accounts/${accountId}`)).body).toMatchObject({ creditLimit: 5000, dispatchRatePerSecond: 50 });
    await page.getByText('(credit limit 5,000)').waitFor();
    await screenshot(page, 'finance');
    {
      // Once the rollup has folded in the messages so far, the page charts them and offers the CSV.
      await eventually(async () => {
        const r = await t.admin('GET', '/api/v1/reports?groupBy=status&format=json');
        return r.body.items?.some((i: { messages: number }) => i.messages > 0) ? true : undefined;
      }, 20_000, 'the report rollup');
      await nav(page, 'Reports');
      await page.getByLabel('Group by').selectOption('status');
      await page.getByTestId('report-table').locator('tr', { hasText: 'delivered' }).waitFor();
      const download = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Download CSV' }).click();
      const csv = await (await download).createReadStream();
      let text = '';
      for await (const chunk of csv) text += String(chunk);
      expect(text.split('\n')[0]).toMatch(/^status,/);
    }
    await screenshot(page, 'reports');
  }, STEP_MS);

  it('a reviewer and a finance user sign in and see only their own pages, and those pages work', async () => {
    const staff = async (role: 'reviewer' | 'finance') => {
      const email = `${role}-${Date.now()}@example.com`;
      const created = await t.admin('POST', '/api/v1/users', { email, password: 'correct horse battery', name: role, role });
      expect(created.status).toBe(201);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('tab', { name: 'Email and password' }).click();
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill('correct horse battery');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('who').filter({ hasText: `(${role})` }).waitFor();
      return page.getByRole('navigation').getByRole('link').allTextContents();
    };

    expect(await staff('reviewer')).toEqual(['Review']);
    // The held list loads for a reviewer (its API answers them, no FORBIDDEN on the page).
    await page.getByRole('heading', { level: 1 }).filter({ hasText: 'Review' }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(await page.getByRole('alert').filter({ hasText: 'FORBIDDEN' }).count()).toBe(0);
    // A page outside the role is not shown even by its address.
    await page.goto(`${t.base}/console/carriers`);
    await page.getByTestId('who').filter({ hasText: '(reviewer)' }).waitFor();
    await page.getByText('No such page.').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).filter({ hasText: 'Carriers' }).count()).toBe(0);

    expect(await staff('finance')).toEqual(['Accounts & apps', 'Finance', 'Reports']);
    await nav(page, 'Finance');
    await page.locator('input[name="finance-account"]').fill(accountId);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByTestId('ledger-balance').filter({ hasText: balanceAfterCampaign() }).waitFor();
    expect(await page.getByRole('alert').filter({ hasText: 'FORBIDDEN' }).count()).toBe(0);
  }, STEP_MS);

  it('a customer signs in and sees only their own pages', async () => {
    const email = `cust-${Date.now()}@example.com`;
    const reg = await request(t.base, 'POST', '/api/v1/auth/register', { body: { email, password: 'correct horse battery', name: 'Customer' } });
    expect(reg.status).toBe(201);
    const credited = await t.admin('POST', `/api/v1/accounts/${reg.body.accountId}/credit`, { amount: 500 });
    expect(credited.status).toBe(200);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('tab', { name: 'Email and password' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('wrong password here');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').filter({ hasText: '(customer)' }).waitFor();
    const links = await page.getByRole('navigation').getByRole('link').allTextContents();
    expect(links).toEqual(['Dashboard', 'Messages', 'Campaigns', 'My account', 'Send test']);
    await page.getByTestId('tile-balance').filter({ hasText: '500' }).waitFor().catch(async (error: unknown) => {
      throw new Error(`${String(error)}\npage: ${await page.locator('main').innerText()}`);
    });

    // The customer makes an app of their own account and sends with it.
    await nav(page, 'My account');
    await page.locator('input[name="app-name"]').fill('customer-app');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByTestId('cred-appid').waitFor();
    await nav(page, 'Send test');
    await page.locator('input[name="send-to"]').fill('+989121234569');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const own = (await page.getByTestId('send-result').getByRole('link').textContent()) ?? '';
    expect(own).toMatch(/^[0-9a-f-]{36}$/);

    // Messages (with the customer's own token): theirs, and never the operator's test message.
    await nav(page, 'Messages');
    await page.getByTestId(`msg-${own}`).locator('.badge', { hasText: 'delivered' }).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId(`msg-${messageId}`).count()).toBe(0);
    await screenshot(page, 'customer-messages');
    // Campaigns (with the customer's own token): their account has none, and the operator's are not listed.
    await nav(page, 'Campaigns');
    await page.getByText('No campaigns.').waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    // Another account's message by id is not found for them.
    await page.goto(`${t.base}/console/messages/${messageId}`);
    await page.getByRole('alert').filter({ hasText: 'NOT_FOUND' }).waitFor();
    await nav(page, 'Dashboard');
    await screenshot(page, 'customer-dashboard');
  }, STEP_MS);
});
