import { describe, expect, it } from 'vitest';
import { decide, linkHosts, normalizeRuleInput, RuleSet, type RuleDefinition, type ReviewSubject } from '../../../src/policy/rules';
import { unsafePatternReason } from '../../../src/policy/regex-safety';
import { verdictOf } from '../../../src/policy/live-rules';

const ACCOUNT = 'acc-1';
const APP = 'app-1';

let seq = 0;
function rule(partial: Partial<RuleDefinition> & Pick<RuleDefinition, 'kind' | 'action'>): RuleDefinition {
  seq += 1;
  return { id: `r${seq}`, name: `rule ${seq}`, keywords: [], pattern: null, accountId: null, appId: null, ...partial };
}

function subject(partial: Partial<ReviewSubject> = {}): ReviewSubject {
  return { accountId: ACCOUNT, appId: APP, from: 'BANK', to: '989121234567', text: 'hello there', ...partial };
}

describe('each rule kind', () => {
  const cases: Array<[string, Omit<RuleDefinition, 'id' | 'name' | 'action' | 'accountId' | 'appId'>, ReviewSubject, ReviewSubject]> = [
    ['keyword', { kind: 'keyword', keywords: ['casino', 'free money'], pattern: null }, subject({ text: 'Win at the CASINO today' }), subject({ text: 'casinos are not words we list' })],
    ['keyword phrase', { kind: 'keyword', keywords: ['free money'], pattern: null }, subject({ text: 'get FREE   money now' }), subject({ text: 'free of money' })],
    ['regex', { kind: 'regex', keywords: [], pattern: '\\bloan\\s+\\d+%' }, subject({ text: 'Loan 5% today' }), subject({ text: 'loan today' })],
    ['url', { kind: 'url', keywords: [], pattern: null }, subject({ text: 'see https://x.example/a' }), subject({ text: 'no links here.' })],
    ['url bare domain', { kind: 'url', keywords: [], pattern: null }, subject({ text: 'visit bit.ly/abc now' }), subject({ text: 'version 1.2 is out' })],
    ['url on listed domains', { kind: 'url', keywords: ['evil.com'], pattern: null }, subject({ text: 'go www.login.evil.com/x' }), subject({ text: 'go https://good.com' })],
    ['sender allow-list', { kind: 'sender', keywords: ['BANK', 'Shop'], pattern: null }, subject({ from: 'SPAMMER' }), subject({ from: 'shop' })],
    ['number deny-list', { kind: 'number', keywords: ['98912'], pattern: null }, subject({ to: '989121234567' }), subject({ to: '989351234567' })],
  ];

  it.each(cases)('%s fires with hold and reject on a match and not otherwise', (_name, def, hit, miss) => {
    for (const action of ['hold', 'reject'] as const) {
      const set = new RuleSet([rule({ ...def, action })]);
      expect(set.evaluate(hit)).toMatchObject({ action, rule: { kind: def.kind, action } });
      expect(set.evaluate(miss)).toMatchObject({ action: 'pass', rule: null, fired: [] });
    }
  });

  it('a pass sender rule fires for listed senders, a pass url rule when every link is on its domains', () => {
    const sender = new RuleSet([rule({ kind: 'sender', keywords: ['BANK'], action: 'pass' })]);
    expect(sender.evaluate(subject({ from: 'bank' })).fired).toHaveLength(1);
    expect(sender.evaluate(subject({ from: 'OTHER' })).fired).toHaveLength(0);
    expect(sender.evaluate(subject({ from: null })).fired).toHaveLength(0);
    const url = new RuleSet([rule({ kind: 'url', keywords: ['mybank.com'], action: 'pass' })]);
    expect(url.evaluate(subject({ text: 'pay at https://pay.mybank.com/x' })).fired).toHaveLength(1);
    expect(url.evaluate(subject({ text: 'https://mybank.com and https://evil.com' })).fired).toHaveLength(0);
    expect(url.evaluate(subject({ text: 'no link' })).fired).toHaveLength(0);
  });

  it('a message without a sender is outside every sender allow-list', () => {
    const set = new RuleSet([rule({ kind: 'sender', keywords: ['BANK'], action: 'hold' })]);
    expect(set.evaluate(subject({ from: null })).action).toBe('hold');
  });
});

describe('precedence and scope', () => {
  const rejectKw = rule({ kind: 'keyword', keywords: ['casino'], action: 'reject' });
  const holdUrl = rule({ kind: 'url', action: 'hold' });
  const passBank = rule({ kind: 'url', keywords: ['mybank.com'], action: 'pass' });

  it('reject beats pass and hold; pass exempts from hold', () => {
    const set = new RuleSet([holdUrl, passBank, rejectKw]);
    expect(set.evaluate(subject({ text: 'casino at https://mybank.com' }))).toMatchObject({ action: 'reject', rule: { id: rejectKw.id } });
    expect(set.evaluate(subject({ text: 'pay at https://mybank.com' }))).toMatchObject({ action: 'pass', rule: { id: passBank.id } });
    expect(set.evaluate(subject({ text: 'go to https://other.org' }))).toMatchObject({ action: 'hold', rule: { id: holdUrl.id } });
    expect(set.evaluate(subject({ text: 'plain' }))).toMatchObject({ action: 'pass', rule: null });
  });

  it('an approved template skips hold rules but not reject rules', () => {
    const set = new RuleSet([holdUrl, rejectKw]);
    expect(set.evaluate(subject({ text: 'https://x.com', templateId: 't1' }))).toMatchObject({ action: 'pass', templateExempt: true });
    expect(set.evaluate(subject({ text: 'casino', templateId: 't1' }))).toMatchObject({ action: 'reject' });
  });

  it('account and app rules apply only to their account and app', () => {
    const accountRule = rule({ kind: 'keyword', keywords: ['promo'], action: 'reject', accountId: ACCOUNT });
    const appRule = rule({ kind: 'keyword', keywords: ['promo'], action: 'hold', accountId: 'acc-2', appId: 'app-2' });
    const set = new RuleSet([accountRule, appRule]);
    expect(set.evaluate(subject({ text: 'promo' })).action).toBe('reject');
    expect(set.evaluate(subject({ text: 'promo', accountId: 'acc-2', appId: 'app-2' })).action).toBe('hold');
    expect(set.evaluate(subject({ text: 'promo', accountId: 'acc-2', appId: 'app-3' })).action).toBe('pass');
    expect(set.evaluate(subject({ text: 'promo', accountId: 'acc-3' })).action).toBe('pass');
  });

  it('decide is the precedence alone', () => {
    const r = (action: 'pass' | 'hold' | 'reject') => ({ id: action, name: action, kind: 'keyword' as const, action });
    expect(decide([r('hold'), r('pass')], false).action).toBe('pass');
    expect(decide([r('pass'), r('reject'), r('hold')], false).action).toBe('reject');
    expect(decide([r('hold')], false).action).toBe('hold');
    expect(decide([], false).action).toBe('pass');
  });

  it('maps outcomes to review verdicts with the rule in the detail', () => {
    const set = new RuleSet([rejectKw]);
    expect(verdictOf(set.evaluate(subject({ text: 'casino' })))).toEqual({
      action: 'reject',
      reason: 'CONTENT_REJECTED',
      detail: { rule: { id: rejectKw.id, name: rejectKw.name, kind: 'keyword' } },
    });
    expect(verdictOf(set.evaluate(subject()))).toEqual({ action: 'pass' });
  });

  it('leaves out a stored rule that no longer compiles and reports it', () => {
    const bad: string[] = [];
    const set = new RuleSet([rule({ kind: 'regex', pattern: '(', action: 'reject' }), rejectKw], (r) => bad.push(r.id));
    expect(set.size).toBe(1);
    expect(bad).toHaveLength(1);
  });
});

describe('rule input checks', () => {
  it('normalises keywords per kind', () => {
    expect(normalizeRuleInput({ name: 'n', kind: 'number', keywords: ['+98 912', '98-935', '98912'], action: 'reject' }).keywords).toEqual(['98912', '98935']);
    expect(normalizeRuleInput({ name: 'n', kind: 'url', keywords: ['*.Evil.COM'], action: 'reject' }).keywords).toEqual(['evil.com']);
  });

  it.each([
    ['a regex without a pattern', { kind: 'regex' }],
    ['a regex that does not compile', { kind: 'regex', pattern: '([a-z' }],
    ['a nested quantifier', { kind: 'regex', pattern: '(a+)+$' }],
    ['a keyword rule without keywords', { kind: 'keyword', keywords: [] }],
    ['a keyword rule with a pattern', { kind: 'keyword', keywords: ['x'], pattern: 'x' }],
    ['a number that is not digits', { kind: 'number', keywords: ['98abc'] }],
    ['a domain that is not one', { kind: 'url', keywords: ['not a domain'] }],
    ['a sender too long', { kind: 'sender', keywords: ['A'.repeat(16)] }],
  ] as const)('refuses %s with INVALID_REQUEST', (_name, partial) => {
    expect(() => normalizeRuleInput({ name: 'n', action: 'hold', ...partial } as never)).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
  });
});

describe('regex safety', () => {
  it.each(['(a+)+', '(\\w*)*x', '(x?){2,}', '((ab)+c)*', '(a|b+)+', '(.*)\\1', '(?<n>a)\\k<n>', 'a'.repeat(501)])('refuses %s', (pattern) => {
    expect(unsafePatternReason(pattern)).not.toBeNull();
  });
  it.each(['\\bfree\\s+money\\b', '(?:foo|bar)+', '(ab){1,3}', '[a-z]+@[a-z]+\\.com', '(?<=x)y+', '\\p{L}{2,}', '(a+)?', '(?:https?://)?bit\\.ly'])('accepts %s', (pattern) => {
    expect(unsafePatternReason(pattern)).toBeNull();
  });
});

describe('link detection', () => {
  it('finds hosts of scheme, www and bare-domain links', () => {
    expect(linkHosts('a https://User@Sub.Example.org:8080/p?q b www.foo.net/x c bit.ly/y. d x.io')).toEqual(['sub.example.org', 'www.foo.net', 'bit.ly', 'x.io']);
    expect(linkHosts('e-mail me at a@b.com; version 2.0; file.txt')).toEqual([]);
  });
});
