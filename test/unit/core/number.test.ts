import { describe, expect, it } from 'vitest';
import { normalizeNumber, parseSender, prefixesOf } from '../../../src/core/number';

describe('normalizeNumber', () => {
  it.each([
    ['+98 912-123-4567', '989121234567'],
    ['989121234567', '989121234567'],
    ['  +989121234567 ', '989121234567'],
    ['0098 912 123 4567', '989121234567'],
    ['+1-415-555-0100', '14155550100'],
    ['12345', '12345'], // shortest accepted: 5 digits
    ['123456789012345', '123456789012345'], // longest: 15 digits (E.164)
  ])('accepts %j as %j', (input, expected) => {
    expect(normalizeNumber(input)).toBe(expected);
  });

  it.each([
    ['98912abc', 'letters'],
    ['12', 'too few digits'],
    ['1234', 'too few digits'],
    ['1234567890123456', '16 digits'],
    ['+0989121234567', 'a leading 0 after +'],
    ['00 0989121234567', 'a leading 0 after 00'],
    ['09121234567', 'a national trunk 0 (no country known)'],
    ['+98 (912) 1234567', 'parentheses'],
    ['98.912.123.4567', 'dots'],
    ['98+9121234567', 'a + that is not first'],
    ['++989121234567', 'two +'],
    ['', 'empty'],
    ['+', 'a bare +'],
    ['9'.repeat(100), 'absurd length'],
  ])('rejects %j (%s)', (input) => {
    expect(normalizeNumber(input)).toBeNull();
  });
});

describe('parseSender', () => {
  it('reads +number and 00number as international, TON 1 NPI 1', () => {
    expect(parseSender('+98 912 123 4567')).toEqual({ addr: '989121234567', ton: 1, npi: 1 });
    expect(parseSender('0044 7700 900123')).toEqual({ addr: '447700900123', ton: 1, npi: 1 });
  });

  it('reads 9 to 15 bare digits as an international number as stored', () => {
    expect(parseSender('989121234567')).toEqual({ addr: '989121234567', ton: 1, npi: 1 });
  });

  it('reads 3 to 8 bare digits as a short code, TON 3 NPI 0, kept as given', () => {
    expect(parseSender('3000')).toEqual({ addr: '3000', ton: 3, npi: 0 });
    expect(parseSender('123')).toEqual({ addr: '123', ton: 3, npi: 0 });
    expect(parseSender('0800-123')).toEqual({ addr: '0800123', ton: 3, npi: 0 });
    expect(parseSender('12345678')).toEqual({ addr: '12345678', ton: 3, npi: 0 });
  });

  it('reads up to 11 letters, digits, spaces and light punctuation as alphanumeric, TON 5 NPI 0', () => {
    expect(parseSender('MyBank')).toEqual({ addr: 'MyBank', ton: 5, npi: 0 });
    expect(parseSender('Info-SMS 24')).toEqual({ addr: 'Info-SMS 24', ton: 5, npi: 0 });
    expect(parseSender(' A&B ')).toEqual({ addr: 'A&B', ton: 5, npi: 0 });
  });

  it.each([
    ['TwelveChars!', 'more than 11 characters'],
    ['Bänk', 'a non-ASCII letter'],
    ['a@b', 'an @'],
    ['12', 'too few digits'],
    ['+0123456', 'an invalid international number'],
    ['1234567890123456', '16 digits'],
    ['', 'empty'],
    ['   ', 'blank'],
    ['-- --', 'separators only'],
  ])('rejects %j (%s)', (from) => {
    expect(parseSender(from)).toBeNull();
  });
});

describe('prefixesOf', () => {
  it('lists every prefix from the longest to the catch-all ""', () => {
    expect(prefixesOf('9891')).toEqual(['9891', '989', '98', '9', '']);
  });

  it('gives only the catch-all for the empty number', () => {
    expect(prefixesOf('')).toEqual(['']);
  });
});
