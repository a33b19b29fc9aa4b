import { describe, expect, it } from 'vitest';
import { ThrottlePause } from '../../../src/carriers/throttle-pause';

describe('the throttle pause', () => {
  it('lets everything through until a throttle answer, then nothing until the pause is over', () => {
    const pause = new ThrottlePause({ initialPauseMs: 100, maxPauseMs: 400 });
    expect(pause.admit(0)).toBe('go');
    expect(pause.record('go', 'throttled', 10)).toBe(true);
    expect(pause.admit(50)).toBe('paused');
    expect(pause.remainingMs(50)).toBe(60);
  });

  it('after the pause sends exactly one probe; its success reopens, its throttle doubles the pause up to the maximum', () => {
    const pause = new ThrottlePause({ initialPauseMs: 100, maxPauseMs: 300 });
    pause.record('go', 'throttled', 0);
    expect(pause.admit(100)).toBe('probe');
    expect(pause.admit(101)).toBe('paused'); // the probe is out
    expect(pause.record('probe', 'throttled', 110)).toBe(true);
    expect(pause.state).toEqual({ kind: 'paused', untilMs: 310, pauseMs: 200 });
    expect(pause.admit(310)).toBe('probe');
    pause.record('probe', 'throttled', 320);
    expect(pause.state).toMatchObject({ pauseMs: 300 }); // capped
    expect(pause.admit(620)).toBe('probe');
    expect(pause.record('probe', 'answered', 630)).toBe(false);
    expect(pause.admit(631)).toBe('go');
    pause.record('go', 'throttled', 700);
    expect(pause.state).toMatchObject({ pauseMs: 100 }); // a fresh episode starts short again
  });

  it('ignores answers to submits sent before the pause began, and a lost probe keeps the pause length', () => {
    const pause = new ThrottlePause({ initialPauseMs: 100 });
    pause.record('go', 'throttled', 0);
    expect(pause.record('go', 'throttled', 5)).toBe(false); // a straggler of the same burst
    pause.record('go', 'answered', 6);
    expect(pause.admit(50)).toBe('paused');
    expect(pause.admit(100)).toBe('probe');
    pause.record('probe', 'no-answer', 150);
    expect(pause.state).toEqual({ kind: 'paused', untilMs: 250, pauseMs: 100 });
  });
});
