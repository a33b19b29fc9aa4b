/**
 * The guard's policy against a scripted pool (a pure unit: the pool's
 * answers are given, time is real but short).
 */
import { describe, expect, it } from 'vitest';
import { CarrierGuard, type GatedCarrierPort } from '../../../src/carriers/carrier-guard';
import type { BreakerState, OutboundPart, SubmitOrder, SubmitOutcome } from '../../../src/carriers/types';
import { eventually, waitFor } from '../../helpers/wait';

const part = {} as OutboundPart;
const ACCEPTED: SubmitOutcome = { kind: 'accepted', carrierMessageId: 'm1' };
const DOWN: SubmitOutcome = { kind: 'unavailable', cause: 'not-bound', reason: 'no bound session' };
const BAD_NUMBER: SubmitOutcome = { kind: 'rejected', commandStatus: 0x0b };
const THROTTLED: SubmitOutcome = { kind: 'rejected', commandStatus: 0x58 };

/** A pool whose every answer is `next`; counts what reached it. */
function scripted(initial: SubmitOutcome) {
  const port = {
    next: initial,
    calls: 0,
    async submit(_id: string, _p: OutboundPart, _order?: SubmitOrder, gate?: () => boolean): Promise<SubmitOutcome> {
      if (gate && !gate()) return { kind: 'unavailable', cause: 'paused', reason: 'gate' };
      port.calls++;
      return port.next;
    },
    liveState: () => undefined,
  };
  return port satisfies GatedCarrierPort & { next: SubmitOutcome; calls: number };
}

function guarded(initial: SubmitOutcome) {
  const pool = scripted(initial);
  const states: BreakerState[] = [];
  const guard = new CarrierGuard(pool, {
    breaker: { consecutiveFailures: 3, resetTimeoutMs: 100 },
    pause: { initialPauseMs: 50 },
    onBreakerState: (_id, s) => states.push(s),
  });
  return { pool, guard, states };
}

describe('the carrier guard', () => {
  it('opens the breaker after consecutive carrier faults; an open breaker answers at once without reaching the pool', async () => {
    const { pool, guard, states } = guarded(DOWN);
    for (let i = 0; i < 3; i++) expect(await guard.submit('c', part)).toEqual(DOWN);
    expect(guard.breakerState('c')).toBe('open');
    expect(states).toEqual(['open']);
    expect(await guard.submit('c', part)).toMatchObject({ kind: 'unavailable', cause: 'breaker-open' });
    expect(pool.calls).toBe(3);
    guard.close();
  });

  it('half-opens after the reset timeout and lets one probe through, whose success closes it', async () => {
    const { pool, guard, states } = guarded(DOWN);
    for (let i = 0; i < 3; i++) await guard.submit('c', part);
    await waitFor(() => guard.breakerState('c') === 'half-open', 1_000);
    pool.next = ACCEPTED;
    const [probe, other] = await Promise.all([guard.submit('c', part), guard.submit('c', part)]);
    expect(probe).toEqual(ACCEPTED);
    expect(other).toMatchObject({ cause: 'breaker-open' }); // only one probe while half-open
    expect(guard.breakerState('c')).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
    guard.close();
  });

  it('never opens on the customer\'s errors (a bad number), however many', async () => {
    const { guard } = guarded(BAD_NUMBER);
    for (let i = 0; i < 10; i++) expect(await guard.submit('c', part)).toEqual(BAD_NUMBER);
    expect(guard.breakerState('c')).toBe('closed');
    guard.close();
  });

  it('a throttle answer pauses the carrier for every submit, and counts once per episode towards the breaker', async () => {
    const { pool, guard } = guarded(THROTTLED);
    // A burst in flight: three throttle answers of one episode do not open a breaker of threshold 3.
    expect(await Promise.all([1, 2, 3].map(() => guard.submit('c', part)))).toEqual([THROTTLED, THROTTLED, THROTTLED]);
    expect(guard.breakerState('c')).toBe('closed');
    expect(await guard.submit('c', part)).toMatchObject({ kind: 'unavailable', cause: 'paused' });
    expect(pool.calls).toBe(3);
    // After each pause one probe goes out; a throttled probe is a further episode: the third episode opens the breaker.
    for (const calls of [4, 5]) {
      await eventually(async () => {
        await guard.submit('c', part);
        return pool.calls >= calls ? true : undefined;
      }, 2_000, `probe ${calls - 3}`);
    }
    expect(pool.calls).toBe(5);
    expect(guard.breakerState('c')).toBe('open');
    guard.close();
  });
});
