import { describe, expect, it } from 'vitest';
import { classifySubmit, dispatchStepOf, isCarrierFault } from '../../../src/carriers/error-class';
import type { SubmitOutcome } from '../../../src/carriers/types';

const rejected = (commandStatus: number): SubmitOutcome => ({ kind: 'rejected', commandStatus });
const unavailable = (cause: Extract<SubmitOutcome, { kind: 'unavailable' }>['cause']): SubmitOutcome => ({ kind: 'unavailable', cause, reason: '' });

describe('carrier error classes', () => {
  it.each([
    ['throttled 0x58', rejected(0x58), 'throttled', 'next', true],
    ['queue full 0x14', rejected(0x14), 'transient', 'retry', true],
    ['system error 0x08', rejected(0x08), 'transient', 'retry', true],
    ['invalid destination 0x0B', rejected(0x0b), 'permanent', 'fail', false],
    ['submit failed 0x45', rejected(0x45), 'permanent', 'fail', false],
    ['a status missing from the table', rejected(0x99), 'permanent', 'fail', false],
    ['a submit_sm_resp timeout', { kind: 'timeout' } as SubmitOutcome, 'unknown', 'retry', true],
    ['no bound session', unavailable('not-bound'), 'unavailable', 'next', true],
    ['every bind slot held by other workers processes', unavailable('not-held'), 'unavailable', 'wait', false],
    ['full windows', unavailable('window-full'), 'unavailable', 'wait', false],
    ['over our own maxTps', unavailable('over-tps'), 'unavailable', 'wait', false],
    ['an open breaker', unavailable('breaker-open'), 'unavailable', 'next', false],
  ] as const)('%s: class %s, then %s, carrier fault %s', (_name, outcome, cls, step, fault) => {
    expect(classifySubmit(outcome)).toBe(cls);
    expect(dispatchStepOf(outcome)).toBe(step);
    expect(isCarrierFault(outcome)).toBe(fault);
  });
});
