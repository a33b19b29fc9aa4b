import { describe, expect, it } from 'vitest';
import type { App } from '../../../src/pipeline/types';
import { COMMAND_STATUS } from '../../../src/smpp/codec';
import { BindAuthenticator } from '../../../src/smpp/server/bind-authenticator';

const app = { id: 'app-1' } as App;

function counting(delayMs = 20) {
  const stats = { lookups: 0, verifications: 0 };
  const auth = new BindAuthenticator(
    {
      bySystemId: async (id) => {
        stats.lookups++;
        return id === 'gw1' ? { app, smppPasswordHash: 'h' } : undefined;
      },
    },
    {
      busyDelayMs: 7,
      verify: async (password) => {
        stats.verifications++;
        await new Promise((r) => setTimeout(r, delayMs));
        return password === 'secret';
      },
    },
  );
  return { auth, stats };
}

describe('bind checks under a flood', () => {
  it('parallel binds with the same credentials share one lookup and one password check', async () => {
    const { auth, stats } = counting();
    const verdicts = await Promise.all(Array.from({ length: 8 }, () => auth.authenticate('10.0.0.1', 'gw1', 'secret')));
    expect(verdicts.every((v) => v.ok)).toBe(true);
    expect(stats).toEqual({ lookups: 1, verifications: 1 });
  });

  it('one address has at most 4 distinct checks under way; further binds are refused late, other addresses are not affected', async () => {
    const { auth, stats } = counting();
    const flood = Promise.all(Array.from({ length: 10 }, (_, i) => auth.authenticate('10.0.0.9', 'gw1', `bad${i}`)));
    const other = auth.authenticate('10.0.0.2', 'gw1', 'secret');
    const verdicts = await flood;
    const refused = verdicts.filter((v) => !v.ok && v.commandStatus === COMMAND_STATUS.ESME_RBINDFAIL);
    expect(refused).toHaveLength(6);
    expect(refused.every((v) => !v.ok && v.delayMs === 7)).toBe(true);
    expect(verdicts.filter((v) => !v.ok && v.commandStatus === COMMAND_STATUS.ESME_RINVPASWD)).toHaveLength(4);
    expect(await other).toEqual({ ok: true, app });
    expect(stats).toEqual({ lookups: 5, verifications: 5 });
    // Once those finished, the address may try again.
    expect((await auth.authenticate('10.0.0.9', 'gw1', 'secret')).ok).toBe(true);
  });
});
