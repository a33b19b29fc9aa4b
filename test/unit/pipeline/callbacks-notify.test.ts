import { describe, expect, it } from 'vitest';
import { deliverCallbacks, HostLimiter, signBody, type DeadCallback, type NotifyDeps } from '../../../src/pipeline/notify';
import type { StageQueues } from '../../../src/pipeline/ports';
import type { CallbackRecord } from '../../../src/pipeline/types';

function fakeQueues() {
  const jobs: Array<{ jobId: string; callbacks: readonly CallbackRecord[]; delayMs?: number; attempt?: number }> = [];
  const queues = {
    callbacks: async (jobId: string, callbacks: readonly CallbackRecord[], options: { delayMs?: number; attempt?: number } = {}) => {
      jobs.push({ jobId, callbacks, ...options });
    },
  } as unknown as StageQueues;
  return { jobs, queues };
}

const callback = (url: string, kind: 'status' | 'mo' = 'status'): CallbackRecord => ({ appId: 'app', url, body: '{"id":"1"}', kind });

describe('callback delivery', () => {
  it('signs the raw body with the app secret', async () => {
    const { queues } = fakeQueues();
    const seen: Array<Record<string, string>> = [];
    await deliverCallbacks('j', [callback('http://a/x')], 0, {
      queues,
      secretOf: async () => 'secret',
      post: async (_url, _body, headers) => {
        seen.push(headers);
        return 204;
      },
    });
    expect(seen[0]!['X-Smsgw-Signature']).toBe(signBody('{"id":"1"}', 'secret'));
  });

  it('a failure is retried with exponential backoff, and dead-lettered when its attempts ran out', async () => {
    const { jobs, queues } = fakeQueues();
    const dead: DeadCallback[] = [];
    const deps: NotifyDeps = {
      queues,
      secretOf: async () => 's',
      post: async () => 500,
      retryBaseDelayMs: 100,
      maxAttempts: 3,
      deadLetter: async (entries) => void dead.push(...entries),
    };
    await deliverCallbacks('j', [callback('http://a/x')], 0, deps);
    expect(jobs).toEqual([expect.objectContaining({ jobId: 'j:r1:0', delayMs: 100, attempt: 1 })]);
    await deliverCallbacks('j:r1:0', [callback('http://a/x')], 1, deps);
    expect(jobs[1]).toMatchObject({ delayMs: 200, attempt: 2 });
    await deliverCallbacks('j:r2:0', [callback('http://a/x', 'mo')], 2, deps);
    expect(jobs).toHaveLength(2);
    expect(dead).toEqual([{ appId: 'app', kind: 'mo', url: 'http://a/x', body: '{"id":"1"}', attempts: 3, lastError: 'HTTP 500' }]);
  });

  it('a host holding its share of requests for longer than the wait gets its further callbacks deferred', async () => {
    const { jobs, queues } = fakeQueues();
    const limiter = new HostLimiter(1, 20);
    const hold = limiter.tryAcquire('http://slow.example/cb')!;
    const posted: string[] = [];
    await deliverCallbacks('j', [callback('http://slow.example/cb'), callback('http://fast.example/cb')], 2, {
      queues,
      secretOf: async () => 's',
      post: async (url) => {
        posted.push(url);
        return 200;
      },
      hostLimiter: limiter,
      retryBaseDelayMs: 10,
    });
    expect(posted).toEqual(['http://fast.example/cb']);
    // Deferred with its attempt count unchanged.
    expect(jobs).toEqual([expect.objectContaining({ attempt: 2, delayMs: 10, callbacks: [callback('http://slow.example/cb')] })]);
    hold();
    expect(limiter.tryAcquire('http://slow.example/other')).toBeTypeOf('function');
  });

  it('a busy but healthy host gets every callback of a job through its share of connections, in one job', async () => {
    const { jobs, queues } = fakeQueues();
    let open = 0;
    let most = 0;
    const posted: string[] = [];
    const many = Array.from({ length: 20 }, (_, i) => callback(`http://sink.example/cb/${i}`));
    await deliverCallbacks('j', many, 0, {
      queues,
      secretOf: async () => 's',
      post: async (url) => {
        open += 1;
        most = Math.max(most, open);
        await new Promise((resolve) => setTimeout(resolve, 5));
        open -= 1;
        posted.push(url);
        return 200;
      },
      hostLimiter: new HostLimiter(2, 1_000),
    });
    expect(posted).toHaveLength(20);
    expect(most).toBe(2);
    expect(jobs).toEqual([]);
  });
});
