/**
 * A small RFC 4180 reader for batch uploads: fields separated by commas,
 * records by CRLF or LF; a quoted field may hold commas, line breaks and
 * doubled quotes (""). Pure; throws INVALID_REQUEST on a malformed quote.
 */
import { GatewayError } from '../core/errors';

export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a UTF-8 byte order mark
  let line = 1;
  const endField = () => {
    record.push(field);
    field = '';
  };
  const endRecord = () => {
    endField();
    // A blank line is no record.
    if (!(record.length === 1 && record[0] === '')) records.push(record);
    record = [];
    line++;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
        const next = text[i];
        if (next !== undefined && next !== ',' && next !== '\r' && next !== '\n') {
          throw new GatewayError('INVALID_REQUEST', `CSV line ${line}: text after a closing quote`, { line });
        }
      } else {
        if (c === '\n') line++;
        field += c;
        i++;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
      i++;
    } else if (c === '"') {
      throw new GatewayError('INVALID_REQUEST', `CSV line ${line}: a quote inside an unquoted field`, { line });
    } else if (c === ',') {
      endField();
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      endRecord();
      i += 2;
    } else if (c === '\n' || c === '\r') {
      endRecord();
      i++;
    } else {
      field += c;
      i++;
    }
  }
  if (quoted) throw new GatewayError('INVALID_REQUEST', `CSV line ${line}: an unterminated quoted field`, { line });
  if (field !== '' || record.length > 0) endRecord();
  return records;
}

/** A batch's recipients from a CSV upload: a header row with a `to` column; every other column is a template param. */
export function recipientsFromCsv(text: string): Array<{ to: string; params?: Record<string, string> }> {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new GatewayError('INVALID_REQUEST', 'the CSV is empty; its first row names the columns (to, params...)');
  const names = header.map((h) => h.trim());
  const toIndex = names.findIndex((n) => n.toLowerCase() === 'to');
  if (toIndex < 0) throw new GatewayError('INVALID_REQUEST', 'the CSV header has no "to" column', { header: names });
  const paramColumns = names.map((name, index) => ({ name, index })).filter((c) => c.index !== toIndex && c.name !== '');
  return rows.map((row) => {
    const to = (row[toIndex] ?? '').trim();
    if (paramColumns.length === 0) return { to };
    return { to, params: Object.fromEntries(paramColumns.map((c) => [c.name, row[c.index] ?? ''])) };
  });
}
