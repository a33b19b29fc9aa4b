/** Request bodies and queries of the content rules, held review and templates APIs (zod). */
import { z } from 'zod';
import { RULE_ACTIONS, RULE_KINDS } from '../policy/rules';
import { MAX_RATE_PER_DAY, MAX_RATE_PER_MINUTE } from '../policy/rate-policy';
import { MAX_TEMPLATE_BODY } from '../policy/template';
import { TEMPLATE_STATUSES } from '../policy/template-cache';

const noNul = (s: string) => !s.includes('\u0000');

export const createRuleBody = z
  .object({
    name: z.string().trim().min(1).max(200).refine(noNul, 'must not contain NUL'),
    kind: z.enum(RULE_KINDS),
    keywords: z.array(z.string().max(200).refine(noNul, 'must not contain NUL')).max(1000).optional(),
    pattern: z.string().max(1000).refine(noNul, 'must not contain NUL').optional(),
    action: z.enum(RULE_ACTIONS),
    accountId: z.string().uuid().optional(),
    /** Narrows the rule to one app (of accountId when both are given). */
    appId: z.string().uuid().optional(),
  })
  .strict();

export const ruleListQuery = z.object({
  accountId: z.string().uuid().optional(),
  cursor: z.string().uuid().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const heldListQuery = z.object({
  accountId: z.string().uuid().optional(),
  cursor: z.string().uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const decisionBody = z
  .object({ reason: z.string().trim().min(1).max(500).refine(noNul, 'must not contain NUL').optional() })
  .strict();

export const createTemplateBody = z
  .object({
    name: z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
    body: z.string().min(1).max(MAX_TEMPLATE_BODY).refine(noNul, 'must not contain NUL'),
    ratePolicy: z
      .object({
        perMinute: z.number().int().min(1).max(MAX_RATE_PER_MINUTE).optional(),
        perDay: z.number().int().min(1).max(MAX_RATE_PER_DAY).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const templateListQuery = z.object({
  appId: z.string().uuid().optional(),
  status: z.enum(TEMPLATE_STATUSES).optional(),
  cursor: z.string().uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** A submission's `params` for its template: names to strings or numbers. */
export const templateParams = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'param names are letters, digits and _'),
    z.union([z.string().max(500).refine(noNul, 'must not contain NUL'), z.number().finite()]),
  )
  .refine((p) => Object.keys(p).length <= 50, 'at most 50 params');
