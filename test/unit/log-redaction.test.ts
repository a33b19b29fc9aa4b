import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log';

function memorySink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('log redaction', () => {
  it('never writes secrets, passwords, authorization headers or message text', () => {
    const sink = memorySink();
    const log = createLogger('info', sink.stream);
    log.info({ password: 'hunter22', secret: 'sk_topsecret', text: 'your code is 123456' }, 'top level');
    log.info({ app: { secret: 'sk_nested', smppPassword: 'pw123456' }, carrier: { password: 'carrierpw' } }, 'nested');
    log.info({ req: { headers: { authorization: 'Basic c2VjcmV0' } } }, 'request');
    log.info({ pdu: { short_message: 'hello there' } }, 'pdu');
    const out = sink.text();
    for (const leaked of ['hunter22', 'sk_topsecret', '123456', 'sk_nested', 'pw123456', 'carrierpw', 'c2VjcmV0', 'hello there']) {
      expect(out).not.toContain(leaked);
    }
    expect(out.match(/\[redacted\]/g)?.length).toBe(8);
  });
});
