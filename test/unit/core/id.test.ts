import { describe, expect, it } from 'vitest';
import { isMessageId, newMessageId } from '../../../src/core/id';

describe('message ids', () => {
  it('are UUIDv7 strings', () => {
    const id = newMessageId();
    expect(isMessageId(id)).toBe(true);
    expect(id[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(id[19]);
  });

  it('sort in the order they were made, even within one millisecond', () => {
    const ids = Array.from({ length: 10_000 }, () => newMessageId(1_700_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('never go backwards when the clock does', () => {
    const a = newMessageId(2_000_000_000_000);
    const b = newMessageId(1_999_999_999_000);
    expect(b > a).toBe(true);
  });
});
