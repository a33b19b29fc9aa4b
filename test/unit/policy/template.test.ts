import { describe, expect, it } from 'vitest';
import { parseTemplate, renderTemplate, templateParams } from '../../../src/policy/template';
import { renderSubmission, type TemplateRecord } from '../../../src/policy/template-cache';

describe('template rendering', () => {
  it('fills placeholders, repeated ones too, and keeps escaped braces', () => {
    expect(renderTemplate('Your code is {code}. {code} again, {{literal}}', { code: 1234 })).toBe('Your code is 1234. 1234 again, {literal}');
    expect(templateParams('Hi {name}, code {code}, bye {name}')).toEqual(['name', 'code']);
  });

  it('reports missing and unknown params', () => {
    expect(() => renderTemplate('Hi {name}, code {code}', { name: 'A', extra: 'x' })).toThrow(
      expect.objectContaining({ code: 'INVALID_REQUEST', details: { missing: ['code'], unknown: ['extra'] } }),
    );
  });

  it.each(['Hi {name', 'Hi name}', 'Hi {}', 'Hi {1x}', 'Hi {a b}'])('refuses the malformed body %j', (body) => {
    expect(() => parseTemplate(body)).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
  });

  it('refuses an over-long param value', () => {
    expect(() => renderTemplate('{x}', { x: 'y'.repeat(501) })).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
  });
});

describe('rendering a submission', () => {
  const base: TemplateRecord = {
    id: '0190a1b2-0000-7000-8000-000000000001',
    appId: 'app',
    name: 'otp',
    body: 'Your code is {code}',
    ratePolicy: null,
    status: 'approved',
    createdBy: 'operator',
    decidedBy: 'operator',
    decidedAt: new Date(),
    decisionReason: null,
    createdAt: new Date(),
  };
  const cache = (t: TemplateRecord) => ({ find: async (_app: string, ref: string) => (ref === t.id || ref === t.name ? t : undefined) });

  it('finds the template by name or id and renders it', async () => {
    await expect(renderSubmission(cache(base), 'app', 'otp', { code: '42' })).resolves.toMatchObject({ text: 'Your code is 42' });
    await expect(renderSubmission(cache(base), 'app', base.id, { code: '42' })).resolves.toMatchObject({ text: 'Your code is 42' });
  });

  it('an unknown template is INVALID_REQUEST, an unapproved one CONFLICT', async () => {
    await expect(renderSubmission(cache(base), 'app', 'nope', {})).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(renderSubmission(cache({ ...base, status: 'pending' }), 'app', 'otp', { code: '1' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
