/**
 * Status callbacks: one signed POST per final status to the message's
 * callbackUrl. The signature is `sha256=<hex HMAC-SHA256 of the raw body,
 * keyed with the app secret>` in X-Smsgw-Signature. A failed POST leaves its
 * batch as its own job, retried with exponential backoff up to a limit, so a
 * slow or dead endpoint never holds the others back.
 */
import { createHmac } from 'node:crypto';
import type { StageQueues } from './ports';
import type { CallbackRecord, Finalized } from './types';

export const SIGNATURE_HEADER = 'X-Smsgw-Signature';
export const MAX_CALLBACK_ATTEMPTS = 8;

export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function statusCallbacks(finalized: readonly Finalized[]): CallbackRecord[] {
  const callbacks: CallbackRecord[] = [];
  for (const f of finalized) {
    const url = f.message.callbackUrl;
    if (!url) continue;
    const body = JSON.stringify({
      id: f.message.id,
      status: f.status,
      to: f.message.to,
      reference: f.message.reference,
      ...(f.errorCode ? { errorCode: f.errorCode } : {}),
      at: f.at.toISOString(),
    });
    callbacks.push({ appId: f.message.appId, url, body });
  }
  return callbacks;
}

export interface NotifyDeps {
  readonly queues: StageQueues;
  /** The app's signing secret; undefined when the app is gone (the callback is dropped). */
  readonly secretOf: (appId: string) => Promise<string | undefined>;
  /** POSTs and returns the HTTP status; throws on network errors and timeouts. */
  readonly post: (url: string, body: string, headers: Record<string, string>) => Promise<number>;
  readonly onResult?: (ok: boolean) => void;
  readonly retryBaseDelayMs?: number;
}

export async function deliverCallbacks(
  jobId: string,
  callbacks: readonly CallbackRecord[],
  attempt: number,
  deps: NotifyDeps,
): Promise<void> {
  const failed: CallbackRecord[] = [];
  await Promise.all(
    callbacks.map(async (callback) => {
      const secret = await deps.secretOf(callback.appId);
      if (secret === undefined) return;
      const headers = { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(callback.body, secret) };
      const ok = await deps.post(callback.url, callback.body, headers).then(
        (status) => status >= 200 && status < 300,
        () => false,
      );
      deps.onResult?.(ok);
      if (!ok) failed.push(callback);
    }),
  );
  if (failed.length === 0 || attempt + 1 >= MAX_CALLBACK_ATTEMPTS) return;
  const delayMs = (deps.retryBaseDelayMs ?? 1000) * 2 ** attempt;
  await Promise.all(
    failed.map((callback, i) =>
      deps.queues.callbacks(`${jobId}:r${attempt + 1}:${i}`, [callback], { delayMs, attempt: attempt + 1 }),
    ),
  );
}
