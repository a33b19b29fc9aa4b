/**
 * The webhook client of status callbacks and MO webhooks: one POST, its
 * HTTP status back. node:http with keep-alive agents rather than fetch:
 * fetch costs web streams, an AbortSignal and a response body stream per
 * request (about 15% of a workers process's CPU in the bench profile), for
 * a request whose answer body we never read.
 *
 * Throws on network errors and on the timeout ('TimeoutError'); never
 * follows redirects (a 3xx is an answer, not success).
 */
import http from 'node:http';
import https from 'node:https';

export type WebhookPost = (url: string, body: string, headers: Record<string, string>) => Promise<number>;

export function webhookClient(timeoutMs: number, socketsPerHost: number): { post: WebhookPost; close(): void } {
  const options = { keepAlive: true, maxSockets: socketsPerHost, maxFreeSockets: socketsPerHost, scheduling: 'lifo' as const };
  const agents = { 'http:': new http.Agent(options), 'https:': new https.Agent(options) };

  const post: WebhookPost = (url, body, headers) =>
    new Promise((resolve, reject) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch (error) {
        reject(error);
        return;
      }
      const agent = target.protocol === 'https:' ? agents['https:'] : target.protocol === 'http:' ? agents['http:'] : undefined;
      if (!agent) {
        reject(new Error(`unsupported callback URL scheme ${target.protocol}`));
        return;
      }
      const payload = Buffer.from(body, 'utf8');
      const request = (target.protocol === 'https:' ? https : http).request(target, {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': payload.length },
      });
      const timer = setTimeout(() => {
        const error = new Error(`no answer within ${timeoutMs} ms`);
        error.name = 'TimeoutError';
        request.destroy(error);
      }, timeoutMs);
      request.on('response', (response) => {
        clearTimeout(timer);
        response.resume(); // drain, so the socket goes back to the pool
        resolve(response.statusCode ?? 0);
      });
      request.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      request.end(payload);
    });

  return {
    post,
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
