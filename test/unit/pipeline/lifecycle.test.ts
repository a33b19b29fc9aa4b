import { describe, expect, it } from 'vitest';
import { assertTransition, canTransition, FINAL_STATUSES, IllegalTransitionError, isFinal, MESSAGE_STATUSES, sourcesOf } from '../../../src/core/lifecycle';

describe('message lifecycle', () => {
  it('follows accepted -> queued -> submitted -> delivered', () => {
    expect(canTransition('accepted', 'queued')).toBe(true);
    expect(canTransition('queued', 'submitted')).toBe(true);
    expect(canTransition('submitted', 'delivered')).toBe(true);
  });

  it('never leaves a final state', () => {
    for (const from of FINAL_STATUSES) for (const to of MESSAGE_STATUSES) expect(canTransition(from, to)).toBe(false);
  });

  it('throws on an illegal move, naming it', () => {
    expect(() => assertTransition('accepted', 'delivered')).toThrow(IllegalTransitionError);
    expect(() => assertTransition('delivered', 'undelivered')).toThrow(/delivered -> undelivered/);
  });

  it('a receipt status can only follow submitted', () => {
    expect(sourcesOf('delivered')).toEqual(['submitted']);
    expect(sourcesOf('undelivered')).toEqual(['submitted']);
  });

  it('knows its final states', () => {
    expect(MESSAGE_STATUSES.filter(isFinal)).toEqual(['delivered', 'undelivered', 'expired', 'failed', 'rejected']);
  });
});
