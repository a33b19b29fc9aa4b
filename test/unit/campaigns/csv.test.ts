import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors';
import { parseCsv, recipientsFromCsv } from '../../../src/campaigns/csv';

describe('the RFC 4180 reader', () => {
  it('splits records on CRLF or LF and fields on commas', () => {
    expect(parseCsv('a,b\r\nc,d\ne,f')).toEqual([['a', 'b'], ['c', 'd'], ['e', 'f']]);
  });

  it('keeps commas, line breaks and doubled quotes inside quoted fields', () => {
    expect(parseCsv('"x, y","say ""hi""","two\r\nlines"\r\n')).toEqual([['x, y', 'say "hi"', 'two\r\nlines']]);
  });

  it('keeps empty fields, skips blank lines and a byte order mark', () => {
    expect(parseCsv('\uFEFFa,,c\r\n\r\n,b,\r\n')).toEqual([['a', '', 'c'], ['', 'b', '']]);
  });

  it('refuses an unterminated quote, text after a closing quote, and a quote inside a bare field', () => {
    for (const text of ['"open', '"a"b,c', 'a"b']) {
      expect(() => parseCsv(text), text).toThrow(GatewayError);
    }
  });
});

describe('a batch upload', () => {
  it('reads the to column and every other column as a template param', () => {
    expect(recipientsFromCsv('name,To,code\r\nAva,989121234567,1\r\nBo,989121234568,\r\n')).toEqual([
      { to: '989121234567', params: { name: 'Ava', code: '1' } },
      { to: '989121234568', params: { name: 'Bo', code: '' } },
    ]);
  });

  it('without param columns gives bare numbers', () => {
    expect(recipientsFromCsv('to\n989121234567\n')).toEqual([{ to: '989121234567' }]);
  });

  it('needs a header with a to column', () => {
    expect(() => recipientsFromCsv('')).toThrow(/empty/);
    expect(() => recipientsFromCsv('number\n989121234567')).toThrow(/"to" column/);
  });
});
