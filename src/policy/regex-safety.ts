/**
 * Guards for operator-supplied regular expressions. JavaScript's engine
 * backtracks and cannot be interrupted, so a pattern such as `(a+)+$` can
 * stall a worker for minutes on a short text. Without a linear-time engine
 * (RE2 is a native module we do not ship) we refuse what commonly causes
 * catastrophic backtracking, before the pattern is stored:
 * - more than MAX_PATTERN_LENGTH characters;
 * - a pattern that does not compile (flags `iu`);
 * - backreferences (`\1`, `\k<name>`);
 * - a repeated group that itself contains a quantifier (`(a+)+`, `(\w*)*`,
 *   `(x?){2,}`): nested quantifiers, the usual exponential case.
 * Texts are bounded too (at most 10 parts, about 1,600 characters), which
 * keeps the remaining polynomial cases short. A heuristic, not a proof.
 */

export const MAX_PATTERN_LENGTH = 500;

/** Flags every content regex is compiled with: case-insensitive, Unicode. */
export const RULE_REGEX_FLAGS = 'iu';

/** The reason a pattern is refused, or null when it is acceptable. */
export function unsafePatternReason(pattern: string): string | null {
  if (pattern.length === 0) return 'the pattern is empty';
  if (pattern.length > MAX_PATTERN_LENGTH) return `the pattern is longer than ${MAX_PATTERN_LENGTH} characters`;
  try {
    new RegExp(pattern, RULE_REGEX_FLAGS);
  } catch (error) {
    return `the pattern does not compile: ${(error as Error).message}`;
  }
  return nestedQuantifierReason(pattern);
}

const BOUNDED = /^\{(\d+)(,(\d*))?\}/;

/** Length of the quantifier at `i` (0 when none) and whether it repeats more than once. */
function quantifierAt(pattern: string, i: number): { length: number; repeats: boolean } {
  const c = pattern[i];
  let length = 0;
  let repeats = false;
  if (c === '*' || c === '+') {
    length = 1;
    repeats = true;
  } else if (c === '?') {
    length = 1;
  } else if (c === '{') {
    const m = BOUNDED.exec(pattern.slice(i));
    if (m) {
      length = m[0].length;
      const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
      repeats = max > 1;
    }
  }
  if (length > 0 && pattern[i + length] === '?') length += 1; // lazy
  return { length, repeats };
}

function nestedQuantifierReason(pattern: string): string | null {
  // One entry per open group: does its body contain a quantifier?
  const groups: boolean[] = [false];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') return 'backreferences are not allowed';
      i += 1;
      continue;
    }
    if (c === '[') {
      // Skip the character class (escapes inside included).
      for (i += 1; i < pattern.length && pattern[i] !== ']'; i++) if (pattern[i] === '\\') i += 1;
      continue;
    }
    if (c === '(') {
      groups.push(false);
      // Group syntax, not a quantifier: (?: (?= (?! (?<= (?<! (?<name>
      if (pattern[i + 1] === '?') {
        const kind = pattern[i + 2] ?? '';
        if (':=!'.includes(kind)) i += 2;
        else if (kind === '<' && '=!'.includes(pattern[i + 3] ?? '')) i += 3;
        else if (kind === '<') i = Math.max(i + 2, pattern.indexOf('>', i));
      }
      continue;
    }
    if (c === ')') {
      const inner = groups.pop() ?? false;
      const q = quantifierAt(pattern, i + 1);
      if (q.length > 0) {
        if (q.repeats && inner) return 'a repeated group contains a quantifier (nested quantifiers backtrack catastrophically)';
        i += q.length;
      }
      if (inner || q.length > 0) groups[groups.length - 1] = true;
      continue;
    }
    const q = quantifierAt(pattern, i);
    if (q.length > 0) {
      groups[groups.length - 1] = true;
      i += q.length - 1;
    }
  }
  return null;
}
