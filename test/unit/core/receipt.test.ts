import { describe, expect, it } from 'vitest';
import {
  MESSAGE_STATE,
  STAT_WORDS,
  formatReceiptDate,
  formatReceiptText,
  parseReceiptDate,
  parseReceiptText,
  receiptIdCandidates,
  statWordOfState,
} from '../../../src/core/receipt';

const submitDate = new Date(Date.UTC(2024, 0, 2, 15, 4, 59));
const doneDate = new Date(Date.UTC(2024, 0, 2, 15, 5, 1));

describe('formatReceiptText', () => {
  it('writes the SMPP Appendix B format exactly, in UTC, text cut to 20 characters', () => {
    expect(
      formatReceiptText({ id: '5f3a0c01', submitDate, doneDate, stat: 'DELIVRD', text: 'Hello there, this is longer than twenty' }),
    ).toBe('id:5f3a0c01 sub:001 dlvrd:001 submit date:2401021504 done date:2401021505 stat:DELIVRD err:000 text:Hello there, this is');
  });

  it('counts nothing delivered for a failure, and pads err to 3 digits', () => {
    expect(formatReceiptText({ id: '42', submitDate, doneDate, stat: 'UNDELIV', err: '34' })).toBe(
      'id:42 sub:001 dlvrd:000 submit date:2401021504 done date:2401021505 stat:UNDELIV err:034 text:',
    );
  });

  it('formats dates as YYMMDDhhmm in UTC', () => {
    expect(formatReceiptDate(new Date(Date.UTC(2031, 11, 31, 23, 59)))).toBe('3112312359');
  });
});

describe('parseReceiptText', () => {
  it('reads back what formatReceiptText writes', () => {
    const text = formatReceiptText({ id: 'abc123', submitDate, doneDate, stat: 'EXPIRED', err: '001', text: 'hi: there' });
    expect(parseReceiptText(text)).toEqual({
      id: 'abc123',
      sub: '001',
      dlvrd: '000',
      submitDate: '2401021504',
      doneDate: '2401021505',
      stat: 'EXPIRED',
      statWord: 'EXPIRED',
      err: '001',
      text: 'hi: there',
    });
  });

  it('tolerates upper-case keys, submit_date / done_date, other orders and missing fields', () => {
    expect(parseReceiptText('ID:123456789 STAT:delivrd Submit_Date:2401021504 done_date:240102150530 Err:0')).toEqual({
      id: '123456789',
      stat: 'DELIVRD',
      statWord: 'DELIVRD',
      submitDate: '2401021504',
      doneDate: '240102150530',
      err: '0',
    });
  });

  it('keeps a stat word it does not know, without a statWord', () => {
    expect(parseReceiptText('id:1 stat:FAILED')).toEqual({ id: '1', stat: 'FAILED' });
  });

  it('returns undefined for text that is not a receipt (an MO message)', () => {
    expect(parseReceiptText('Hello, see you at 10:30')).toBeUndefined();
  });
});

describe('parseReceiptDate', () => {
  it('reads YYMMDDhhmm and YYMMDDhhmmss as UTC, and refuses impossible dates', () => {
    expect(parseReceiptDate('2401021504')?.toISOString()).toBe('2024-01-02T15:04:00.000Z');
    expect(parseReceiptDate('240102150530')?.toISOString()).toBe('2024-01-02T15:05:30.000Z');
    expect(parseReceiptDate('2402301504')).toBeUndefined();
    expect(parseReceiptDate('abc')).toBeUndefined();
  });
});

describe('receiptIdCandidates', () => {
  it('gives a hex id as written plus its decimal', () => {
    expect(receiptIdCandidates('5F3A0C01')).toEqual(['5F3A0C01', String(0x5f3a0c01), '5f3a0c01']);
  });

  it('gives a decimal id as written plus its hex forms (and its reading as hex, since digits are both)', () => {
    const c = receiptIdCandidates('1597639681');
    expect(c[0]).toBe('1597639681');
    expect(c).toContain('5f3a0c01');
    expect(c).toContain('5F3A0C01');
  });

  it('converts 64-bit ids exactly', () => {
    expect(receiptIdCandidates('ffffffffffffffff')).toContain('18446744073709551615');
  });

  it('leaves a non-numeric id alone', () => {
    expect(receiptIdCandidates('msg-42')).toEqual(['msg-42']);
  });
});

describe('stat words and message states', () => {
  it('maps each stat word to its SMPP message_state and back', () => {
    expect(STAT_WORDS).toEqual({ DELIVRD: 2, UNDELIV: 5, EXPIRED: 3, REJECTD: 8, DELETED: 4, UNKNOWN: 7, ACCEPTD: 6, ENROUTE: 1 });
    expect(statWordOfState(MESSAGE_STATE.UNDELIVERABLE)).toBe('UNDELIV');
    expect(statWordOfState(MESSAGE_STATE.SCHEDULED)).toBeUndefined();
  });
});
