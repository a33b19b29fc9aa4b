/** Request bodies and queries of the REST API (zod), beside the routers that use them. */
import { z } from 'zod';

const noNul = (s: string) => !s.includes('\u0000');
const httpUrl = z
  .string()
  .max(2048)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL');

export const createAccountBody = z.object({ name: z.string().trim().min(1).max(200).refine(noNul, 'must not contain NUL') }).strict();

export const creditBody = z
  .object({
    amount: z.number().int('must be an integer number of minor units').positive().max(Number.MAX_SAFE_INTEGER),
    reference: z.string().max(200).optional(),
  })
  .strict();

export const createAppBody = z
  .object({
    name: z.string().trim().min(1).max(200).refine(noNul, 'must not contain NUL'),
    throughputPerSecond: z.number().int().min(1).max(100_000).optional(),
    callbackUrl: httpUrl.optional(),
    moUrl: httpUrl.optional(),
    senders: z.array(z.string().min(1).max(15)).max(100).optional(),
  })
  .strict();

export const createCarrierBody = z
  .object({
    name: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535),
    systemId: z.string().min(1).max(15),
    password: z.string().max(8),
    systemType: z.string().max(12).optional(),
    binds: z.number().int().min(1).max(64).optional(),
    window: z.number().int().min(1).max(1000).optional(),
    maxTps: z.number().int().min(1).max(100_000).nullable().optional(),
  })
  .strict();

export const routesBody = z
  .array(
    z
      .object({
        prefix: z.string().regex(/^[0-9]{0,15}$/, 'must be 0-15 digits ("" is the catch-all)'),
        carriers: z.array(z.string().min(1)).min(1).max(10),
        price: z.number().int('must be an integer number of minor units').min(0).max(Number.MAX_SAFE_INTEGER),
      })
      .strict(),
  )
  .max(100_000)
  .superRefine((routes, ctx) => {
    const seen = new Set<string>();
    routes.forEach((r, i) => {
      if (seen.has(r.prefix)) ctx.addIssue({ code: 'custom', path: [i, 'prefix'], message: `duplicate prefix "${r.prefix}"` });
      seen.add(r.prefix);
    });
  });

export const submitBody = z
  .object({
    to: z.union([z.string().min(1).max(32), z.array(z.string().min(1).max(32)).min(1)]),
    from: z.string().min(1).max(15).optional(),
    text: z.string().min(1, 'must not be empty').max(10_000).refine(noNul, 'must not contain NUL'),
    priority: z.enum(['normal', 'express']).optional(),
    reference: z.string().max(128).optional(),
    callbackUrl: httpUrl.optional(),
    validity: z.number().int().min(60).max(7 * 86400).optional(),
  })
  .strict();

export const listQuery = z.object({
  status: z.enum(['accepted', 'held', 'queued', 'submitted', 'delivered', 'undelivered', 'expired', 'failed', 'rejected']).optional(),
  to: z.string().max(32).optional(),
  cursor: z.string().uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
