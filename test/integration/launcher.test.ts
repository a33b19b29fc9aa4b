/**
 * `npm start`'s layout without GATEWAY_ROLES (src/launcher.ts): an edge
 * process and a workers process, the demo banner's curl example working as
 * printed, a dead child restarted, and SIGTERM stopping both.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db';
import { eventually } from '../helpers/wait';

let database: { url: string; drop: () => Promise<void> };
let launcher: ChildProcess;
let stdout = '';

beforeAll(async () => {
  database = await createTestDatabase();
  launcher = spawn(process.execPath, ['--import', 'tsx', 'src/launcher.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: database.url,
      QUEUE_PREFIX: `t${randomBytes(5).toString('hex')}`,
      HTTP_PORT: '0',
      SMPP_PORT: '0',
      HOST: '127.0.0.1',
      SIMULATOR: '1',
      SIMULATOR_PORT: '0',
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  launcher.stdout!.on('data', (c) => (stdout += c));
  launcher.stderr!.resume();
});

afterAll(async () => {
  if (launcher.exitCode === null && launcher.signalCode === null) {
    launcher.kill('SIGKILL');
    for (const pid of childPids()) killQuietly(pid);
  }
  await database.drop();
});

function childPids(): number[] {
  return [...stdout.matchAll(/started (?:edge|workers) \([a-z,]+\), pid (\d+)/g)].map((m) => Number(m[1]));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Runs the banner's first curl example (the submit) with fetch, exactly as printed. */
async function submitAsPrinted(): Promise<{ base: string; auth: string; id: string }> {
  const curl = /curl -s -u '([^']+)' -H 'content-type: application\/json' \\\n\s+-d '([^']+)' (http:\/\/\S+)\/api\/v1\/messages\n/.exec(stdout);
  if (!curl) throw new Error(`no curl example in:\n${stdout}`);
  const [, auth, body, base] = curl as unknown as [string, string, string, string];
  const response = await fetch(`${base}/api/v1/messages`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}`, 'content-type': 'application/json' },
    body,
  });
  expect(response.status).toBe(202);
  const answer = (await response.json()) as { messages: Array<{ id: string }> };
  return { base, auth, id: answer.messages[0]!.id };
}

let last = '';
async function delivered(sent: { base: string; auth: string; id: string }): Promise<void> {
  await eventually(
    async () => {
      const response = await fetch(`${sent.base}/api/v1/messages/${sent.id}`, {
        headers: { authorization: `Basic ${Buffer.from(sent.auth).toString('base64')}` },
      });
      const body = (await response.json()) as { status?: string };
      last = JSON.stringify(body);
      return body.status === 'delivered' ? true : undefined;
    },
    20_000,
    'the message to be delivered',
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}; last answer ${last}`);
  });
}

describe('npm start without GATEWAY_ROLES', () => {
  it('runs an edge and a workers process, and the printed curl example ends delivered', { timeout: 60_000 }, async () => {
    await eventually(async () => (/curl -s -u/.test(stdout) ? true : undefined), 40_000, 'the demo banner');
    // Sent at once, before the workers process is up: it waits in the queue.
    const first = await submitAsPrinted();
    await eventually(async () => (/roles: +workers\n/.test(stdout) ? true : undefined), 40_000, 'the workers banner');
    await delivered(first);
    const pids = childPids();
    expect(pids).toHaveLength(2);
    expect(pids.every(alive)).toBe(true);
    expect(stdout).toMatch(/roles: +workers\n/);
    expect(stdout).toMatch(/roles: +api,smpp\n/);
    // One admin token for both processes.
    const tokens = [...stdout.matchAll(/admin token: +(\S+)/g)].map((m) => m[1]);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toBe(tokens[1]);

    await delivered(await submitAsPrinted());
  });

  it('restarts a workers process that dies, and messages are delivered again', { timeout: 60_000 }, async () => {
    const workersPid = Number(/started workers \(workers\), pid (\d+)/.exec(stdout)![1]);
    process.kill(workersPid, 'SIGKILL');
    await eventually(async () => (childPids().length === 3 ? true : undefined), 20_000, 'a restarted workers process');
    expect(stdout).toMatch(/workers exited \(SIGKILL\); restarting in 1000 ms/);
    await delivered(await submitAsPrinted());
  });

  it('SIGTERM stops both processes and the launcher exits 0', { timeout: 30_000 }, async () => {
    const exited = new Promise<number | null>((resolve) => launcher.on('exit', (code) => resolve(code)));
    launcher.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(childPids().filter(alive)).toEqual([]);
  });
});
