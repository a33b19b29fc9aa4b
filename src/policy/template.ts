/**
 * Message templates: a body with `{name}` placeholders (`Your code is {code}`).
 * Names are letters, digits and `_`, starting with a letter or `_`; `{{` and
 * `}}` stand for literal braces; any other brace is an error. Pure.
 */
import { GatewayError } from '../core/errors';

export const MAX_TEMPLATE_BODY = 1600;
export const MAX_PARAM_LENGTH = 500;

type Segment = { readonly text: string } | { readonly param: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Splits a body into literal text and placeholders; throws INVALID_REQUEST on a stray brace or bad name. */
export function parseTemplate(body: string): Segment[] {
  const segments: Segment[] = [];
  let text = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '{' && body[i + 1] === '{') {
      text += '{';
      i += 1;
    } else if (c === '}' && body[i + 1] === '}') {
      text += '}';
      i += 1;
    } else if (c === '{') {
      const end = body.indexOf('}', i + 1);
      const name = end < 0 ? '' : body.slice(i + 1, end);
      if (!NAME.test(name)) {
        throw new GatewayError('INVALID_REQUEST', `body: a placeholder at position ${i} is not {name} (letters, digits, _; write {{ for a brace)`, {
          issues: [{ path: 'body', message: 'bad placeholder', position: i }],
        });
      }
      if (text) segments.push({ text });
      text = '';
      segments.push({ param: name });
      i = end;
    } else if (c === '}') {
      throw new GatewayError('INVALID_REQUEST', `body: a stray } at position ${i} (write }} for a brace)`, {
        issues: [{ path: 'body', message: 'stray }', position: i }],
      });
    } else {
      text += c;
    }
  }
  if (text) segments.push({ text });
  return segments;
}

/** The placeholder names of a body, each once, in order of first use. */
export function templateParams(body: string): string[] {
  return [...new Set(parseTemplate(body).flatMap((s) => ('param' in s ? [s.param] : [])))];
}

export type ParamValue = string | number;

/**
 * Renders a body with params. Every placeholder needs a param and every
 * param must be used: otherwise INVALID_REQUEST with details {missing, unknown}.
 */
export function renderTemplate(body: string, params: Readonly<Record<string, ParamValue>>): string {
  const segments = parseTemplate(body);
  const used = new Set(segments.flatMap((s) => ('param' in s ? [s.param] : [])));
  const missing = [...used].filter((name) => !Object.hasOwn(params, name));
  const unknown = Object.keys(params).filter((name) => !used.has(name));
  if (missing.length > 0 || unknown.length > 0) {
    const parts = [missing.length > 0 ? `missing params: ${missing.join(', ')}` : '', unknown.length > 0 ? `unknown params: ${unknown.join(', ')}` : ''];
    throw new GatewayError('INVALID_REQUEST', parts.filter(Boolean).join('; '), { missing, unknown });
  }
  const tooLong = Object.keys(params).filter((name) => String(params[name]).length > MAX_PARAM_LENGTH);
  if (tooLong.length > 0) throw new GatewayError('INVALID_REQUEST', `params longer than ${MAX_PARAM_LENGTH} characters: ${tooLong.join(', ')}`, { tooLong });
  return segments.map((s) => ('param' in s ? String(params[s.param]) : s.text)).join('');
}
