/**
 * Content rules: what they mean, how they are checked when created, how they
 * are compiled once per rule set, and the pure evaluation of one message.
 * No I/O: src/policy/live-rules.ts loads and reloads them.
 *
 * Kinds (what "the rule fires" means):
 * - keyword: the text contains one of `keywords` as a whole word or phrase
 *   (case-insensitive, Unicode letters and digits as word characters);
 * - regex:   `pattern` matches somewhere in the text (flags `iu`; see regex-safety.ts);
 * - url:     the text contains a link (scheme://..., www...., or a bare domain with
 *            a common top-level domain); with `keywords` (domains) only links to those
 *            domains or their subdomains count. A *pass* url rule fires when the text
 *            has links and every one of them is on its domains (trusted links);
 * - sender:  `keywords` is the allow-list of sender ids (case-insensitive). A hold or
 *            reject sender rule fires when the sender is NOT in it (no sender counts as
 *            not in it); a *pass* sender rule fires when the sender IS in it;
 * - number:  `keywords` are destination numbers or prefixes (digits); fires when the
 *            destination starts with one of them (a deny-list with hold/reject).
 *
 * Scope: a rule without account applies to every message; with `accountId`
 * to that account's messages; with `appId` (and its account) to that app's.
 *
 * Precedence among the rules that fire: reject > pass > hold. Any reject wins
 * (a deny-list cannot be bypassed); otherwise a firing pass rule exempts the
 * message from hold rules (an allow-list entry); otherwise a hold sends it to
 * manual review. A message made from an approved template is exempt from hold
 * rules as if a pass rule fired, and is still rejected by reject rules.
 */
import { GatewayError } from '../core/errors';
import { RULE_REGEX_FLAGS, unsafePatternReason } from './regex-safety';

export const RULE_KINDS = ['keyword', 'regex', 'url', 'sender', 'number'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];
export const RULE_ACTIONS = ['pass', 'hold', 'reject'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

export interface RuleInput {
  readonly name: string;
  readonly kind: RuleKind;
  readonly keywords?: readonly string[] | undefined;
  readonly pattern?: string | undefined;
  readonly action: RuleAction;
}

/** A stored rule. */
export interface RuleDefinition {
  readonly id: string;
  readonly name: string;
  readonly kind: RuleKind;
  readonly keywords: readonly string[];
  readonly pattern: string | null;
  readonly action: RuleAction;
  readonly accountId: string | null;
  readonly appId: string | null;
}

/** What a rule looks at. */
export interface ReviewSubject {
  readonly accountId: string;
  readonly appId: string;
  readonly from: string | null;
  readonly to: string;
  readonly text: string;
  /** Set when the text comes from an approved template. */
  readonly templateId?: string | null;
}

export interface RuleRef {
  readonly id: string;
  readonly name: string;
  readonly kind: RuleKind;
  readonly action: RuleAction;
}

export interface RuleOutcome {
  readonly action: RuleAction;
  /** The rule that decided (null when none fired, or when an approved template exempted a hold). */
  readonly rule: RuleRef | null;
  /** Every rule that fired, in rule-set order. */
  readonly fired: readonly RuleRef[];
  /** True when an approved template turned a hold into a pass. */
  readonly templateExempt: boolean;
}

export const MAX_KEYWORDS = 1000;
export const MAX_KEYWORD_LENGTH = 100;

const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;
const SENDER = /^[A-Za-z0-9 ._+&-]{1,15}$/;

/**
 * Checks and normalises a rule before it is stored: keywords trimmed and
 * deduplicated, domains lower case, numbers as digits. Throws INVALID_REQUEST
 * (details.issues like zod's) when it does not make sense.
 */
export function normalizeRuleInput(input: RuleInput): { keywords: string[]; pattern: string | null } {
  const issues: Array<{ path: string; message: string }> = [];
  const keywords = [...new Set((input.keywords ?? []).map((k) => k.trim()).filter((k) => k.length > 0))];
  const pattern = input.pattern ?? null;
  if (keywords.length > MAX_KEYWORDS) issues.push({ path: 'keywords', message: `at most ${MAX_KEYWORDS} entries` });
  if (keywords.some((k) => k.length > MAX_KEYWORD_LENGTH)) issues.push({ path: 'keywords', message: `entries are at most ${MAX_KEYWORD_LENGTH} characters` });
  if (input.kind === 'regex') {
    if (pattern === null) issues.push({ path: 'pattern', message: 'a regex rule needs a pattern' });
    else {
      const reason = unsafePatternReason(pattern);
      if (reason) issues.push({ path: 'pattern', message: reason });
    }
    if (keywords.length > 0) issues.push({ path: 'keywords', message: 'a regex rule takes a pattern, not keywords' });
  } else if (pattern !== null) {
    issues.push({ path: 'pattern', message: `a ${input.kind} rule takes keywords, not a pattern` });
  }
  let normalized = keywords;
  switch (input.kind) {
    case 'keyword':
    case 'sender':
    case 'number':
      if (keywords.length === 0) issues.push({ path: 'keywords', message: `a ${input.kind} rule needs at least one keyword` });
      break;
    default:
      break;
  }
  if (input.kind === 'url') {
    normalized = keywords.map((k) => k.toLowerCase().replace(/^\*\./, '').replace(/\.$/, ''));
    const bad = normalized.filter((d) => !DOMAIN.test(d));
    if (bad.length > 0) issues.push({ path: 'keywords', message: `not domain names: ${bad.slice(0, 5).join(', ')}` });
  } else if (input.kind === 'sender') {
    const bad = keywords.filter((k) => !SENDER.test(k));
    if (bad.length > 0) issues.push({ path: 'keywords', message: `not sender ids (1-15 characters): ${bad.slice(0, 5).join(', ')}` });
  } else if (input.kind === 'number') {
    normalized = keywords.map((k) => k.replace(/[\s-]/g, '').replace(/^\+/, ''));
    const bad = normalized.filter((n) => !/^[0-9]{1,15}$/.test(n));
    if (bad.length > 0) issues.push({ path: 'keywords', message: `not numbers or number prefixes (1-15 digits): ${bad.slice(0, 5).join(', ')}` });
  }
  if (issues.length > 0) {
    const first = issues[0]!;
    throw new GatewayError('INVALID_REQUEST', `${first.path}: ${first.message}`, { issues });
  }
  return { keywords: [...new Set(normalized)], pattern };
}

interface CompiledRule extends RuleRef {
  readonly accountId: string | null;
  readonly appId: string | null;
  fires(subject: ReviewSubject): boolean;
}

/** A compiled, immutable rule set: operator-wide rules and rules per account. */
export class RuleSet {
  private readonly global: readonly CompiledRule[];
  private readonly byAccount: ReadonlyMap<string, readonly CompiledRule[]>;
  readonly size: number;

  /** Rules that fail to compile are left out and handed to `onInvalid` (they were checked when stored). */
  constructor(rules: readonly RuleDefinition[], onInvalid: (rule: RuleDefinition, error: unknown) => void = () => undefined) {
    const global: CompiledRule[] = [];
    const byAccount = new Map<string, CompiledRule[]>();
    for (const rule of rules) {
      let compiled: CompiledRule;
      try {
        compiled = compileRule(rule);
      } catch (error) {
        onInvalid(rule, error);
        continue;
      }
      if (rule.accountId === null) global.push(compiled);
      else {
        const list = byAccount.get(rule.accountId) ?? [];
        list.push(compiled);
        byAccount.set(rule.accountId, list);
      }
    }
    this.global = global;
    this.byAccount = byAccount;
    this.size = global.length + [...byAccount.values()].reduce((n, l) => n + l.length, 0);
  }

  static readonly EMPTY = new RuleSet([]);

  evaluate(subject: ReviewSubject): RuleOutcome {
    const fired: RuleRef[] = [];
    const consider = (rule: CompiledRule) => {
      if (rule.appId !== null && rule.appId !== subject.appId) return;
      if (rule.fires(subject)) fired.push({ id: rule.id, name: rule.name, kind: rule.kind, action: rule.action });
    };
    this.global.forEach(consider);
    this.byAccount.get(subject.accountId)?.forEach(consider);
    return decide(fired, Boolean(subject.templateId));
  }
}

/** The precedence (reject > pass > hold), pure. */
export function decide(fired: readonly RuleRef[], fromApprovedTemplate: boolean): RuleOutcome {
  const reject = fired.find((r) => r.action === 'reject');
  if (reject) return { action: 'reject', rule: reject, fired, templateExempt: false };
  const pass = fired.find((r) => r.action === 'pass');
  if (pass) return { action: 'pass', rule: pass, fired, templateExempt: false };
  const hold = fired.find((r) => r.action === 'hold');
  if (hold && fromApprovedTemplate) return { action: 'pass', rule: null, fired, templateExempt: true };
  if (hold) return { action: 'hold', rule: hold, fired, templateExempt: false };
  return { action: 'pass', rule: null, fired, templateExempt: false };
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Links: scheme URLs, www. hosts, and bare domains under common top-level domains. */
const URL_IN_TEXT =
  /(?:\b(?:https?|ftp):\/\/[^\s<>"']+|\bwww\.[^\s<>"']+|(?<![\p{L}\p{N}@.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|net|org|info|biz|io|co|me|ly|ir|app|xyz|link|site|online|top|ru|uk|de|gl|to|cc|tk|ml|ga|cf|gq|club|shop|live|vip|icu|ws|su|us|eu)(?![\p{L}\p{N}-])(?:[/?#][^\s<>"']*)?)/giu;

/** Host names of the links in a text, lower case. */
export function linkHosts(text: string): string[] {
  const hosts: string[] = [];
  for (const match of text.matchAll(URL_IN_TEXT)) {
    let rest = match[0].toLowerCase().replace(/^[a-z]+:\/\//, '');
    rest = rest.split(/[/?#]/)[0] ?? '';
    rest = rest.replace(/^[^@]*@/, '').replace(/:\d*$/, '').replace(/\.+$/, '');
    if (rest) hosts.push(rest);
  }
  return hosts;
}

const onDomains = (host: string, domains: readonly string[]) => domains.some((d) => host === d || host.endsWith(`.${d}`));

function compileRule(rule: RuleDefinition): CompiledRule {
  const base = { id: rule.id, name: rule.name, kind: rule.kind, action: rule.action, accountId: rule.accountId, appId: rule.appId };
  switch (rule.kind) {
    case 'keyword': {
      const alternatives = rule.keywords.map((k) => escapeRegex(k).replace(/\s+/g, '\\s+')).join('|');
      const re = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives})(?![\\p{L}\\p{N}_])`, 'iu');
      return { ...base, fires: (s) => re.test(s.text) };
    }
    case 'regex': {
      const re = new RegExp(rule.pattern ?? '', RULE_REGEX_FLAGS);
      return { ...base, fires: (s) => re.test(s.text) };
    }
    case 'url': {
      const domains = rule.keywords;
      if (rule.action === 'pass') {
        return {
          ...base,
          fires: (s) => {
            const hosts = linkHosts(s.text);
            return hosts.length > 0 && (domains.length === 0 || hosts.every((h) => onDomains(h, domains)));
          },
        };
      }
      return {
        ...base,
        fires: (s) => {
          const hosts = linkHosts(s.text);
          return domains.length === 0 ? hosts.length > 0 : hosts.some((h) => onDomains(h, domains));
        },
      };
    }
    case 'sender': {
      const allowed = new Set(rule.keywords.map((k) => k.toLowerCase()));
      const listed = (s: ReviewSubject) => s.from !== null && allowed.has(s.from.toLowerCase());
      return { ...base, fires: rule.action === 'pass' ? listed : (s) => !listed(s) };
    }
    case 'number': {
      const prefixes = rule.keywords;
      return { ...base, fires: (s) => prefixes.some((p) => s.to.startsWith(p)) };
    }
    default:
      throw new Error(`unknown rule kind ${String(rule.kind)}`);
  }
}
