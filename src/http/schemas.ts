/** Request bodies and queries of the REST API (zod), beside the routers that use them. */
import { z } from 'zod';
import { templateParams } from './policy-schemas';

export const noNul = (s: string) => !s.includes('\u0000');
export const httpUrl = z
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
    /** Messages per calendar month (UTC); null = no quota (PATCH /apps/:appId changes it). */
    monthlyQuota: z.number().int().min(0).max(2_000_000_000).nullable().optional(),
  })
  .strict();

const carrierFields = {
  name: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535),
  systemId: z.string().min(1).max(15),
  password: z.string().max(8),
  systemType: z.string().max(12),
  binds: z.number().int().min(1).max(64),
  window: z.number().int().min(1).max(1000),
  maxTps: z.number().int().min(1).max(100_000).nullable(),
  bindMode: z.enum(['transceiver', 'transmitter_receiver']),
  concat: z.enum(['udh8', 'udh16', 'sar']),
  /** What the carrier charges per message part, minor units. */
  cost: z.number().int('must be an integer number of minor units').min(0).max(Number.MAX_SAFE_INTEGER),
  enabled: z.boolean(),
};

export const createCarrierBody = z
  .object({
    ...carrierFields,
    systemType: carrierFields.systemType.optional(),
    binds: carrierFields.binds.optional(),
    window: carrierFields.window.optional(),
    maxTps: carrierFields.maxTps.optional(),
    bindMode: carrierFields.bindMode.optional(),
    concat: carrierFields.concat.optional(),
    cost: carrierFields.cost.optional(),
    enabled: carrierFields.enabled.optional(),
  })
  .strict();

/** PATCH /carriers/:id: any of the fields, at least one. */
export const patchCarrierBody = z
  .object(carrierFields)
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change');

const routeCarrier = z.union([
  z.string().min(1),
  z
    .object({
      name: z.string().min(1),
      /** Share of its rank's traffic (0 = standby within the rank); default 1. */
      weight: z.number().int().min(0).max(10_000).optional(),
      /** Lower ranks are tried first; default the 1-based position in the list. */
      rank: z.number().int().min(1).max(100).optional(),
    })
    .strict(),
]);

/**
 * One route. `carriers` lists carrier names (DESIGN.md) or {name, weight?,
 * rank?} objects; alternatively `weights` / `ranks` arrays parallel to
 * `carriers` (the form GET /routes answers with). Normalised to objects.
 */
const routeBody = z
  .object({
    prefix: z.string().regex(/^[0-9]{0,15}$/, 'must be 0-15 digits ("" is the catch-all)'),
    carriers: z.array(routeCarrier).min(1).max(10),
    price: z.number().int('must be an integer number of minor units').min(0).max(Number.MAX_SAFE_INTEGER),
    weights: z.array(z.number().int().min(0).max(10_000)).optional(),
    ranks: z.array(z.number().int().min(1).max(100)).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const names = r.carriers.map((c) => (typeof c === 'string' ? c : c.name));
    if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', path: ['carriers'], message: 'a carrier is listed twice' });
    for (const key of ['weights', 'ranks'] as const) {
      const list = r[key];
      if (!list) continue;
      if (list.length !== r.carriers.length) ctx.addIssue({ code: 'custom', path: [key], message: `must have one entry per carrier` });
      if (r.carriers.some((c) => typeof c !== 'string')) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'give weights and ranks either in carrier objects or as arrays, not both' });
      }
    }
  })
  .transform((r) => ({
    prefix: r.prefix,
    price: r.price,
    carriers: r.carriers.map((c, i) => {
      const entry = typeof c === 'string' ? { name: c } : c;
      return {
        ...entry,
        ...(r.weights ? { weight: r.weights[i]! } : {}),
        ...(r.ranks ? { rank: r.ranks[i]! } : {}),
      };
    }),
  }));

export const routesBody = z
  .array(routeBody)
  .max(100_000)
  .superRefine((routes, ctx) => {
    const seen = new Set<string>();
    routes.forEach((r, i) => {
      if (seen.has(r.prefix)) ctx.addIssue({ code: 'custom', path: [i, 'prefix'], message: `duplicate prefix "${r.prefix}"` });
      seen.add(r.prefix);
    });
  });

/** The optional operator file config/routes.json in its object form (a bare routes array is routesBody). */
export const routesFileBody = z.object({ carriers: z.array(createCarrierBody).max(1000).optional(), routes: routesBody }).strict();

export const submitBody = z
  .object({
    to: z.union([z.string().min(1).max(32), z.array(z.string().min(1).max(32)).min(1)]),
    from: z.string().min(1).max(15).optional(),
    text: z.string().min(1, 'must not be empty').max(10_000).refine(noNul, 'must not contain NUL').optional(),
    /** Instead of text: an approved template of the app (id or name) and its params (issue 7). */
    template: z.string().min(1).max(100).optional(),
    params: templateParams.optional(),
    priority: z.enum(['normal', 'express']).optional(),
    reference: z.string().max(128).optional(),
    callbackUrl: httpUrl.optional(),
    validity: z.number().int().min(60).max(7 * 86400).optional(),
    /** ISO 8601 with an offset, at most 35 days ahead (src/campaigns/schedule.ts). */
    scheduleAt: z.string().min(1).max(64).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if ((b.text === undefined) === (b.template === undefined)) {
      ctx.addIssue({ code: 'custom', path: b.text === undefined ? ['text'] : ['template'], message: 'give exactly one of text or template' });
    }
    if (b.params !== undefined && b.template === undefined) ctx.addIssue({ code: 'custom', path: ['params'], message: 'params go with a template' });
  });

/**
 * GET /messages. appId: one app (a customer: of its account; an app: itself). accountId: operators only.
 * since/until: ISO 8601 instants on created_at (since inclusive, until exclusive).
 */
export const listQuery = z
  .object({
    status: z.enum(['accepted', 'held', 'queued', 'submitted', 'delivered', 'undelivered', 'expired', 'failed', 'rejected']).optional(),
    to: z.string().max(32).optional(),
    appId: z.string().uuid().optional(),
    accountId: z.string().uuid().optional(),
    since: z.string().datetime({ offset: true }).optional(),
    until: z.string().datetime({ offset: true }).optional(),
    cursor: z.string().uuid().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  });

export const dlqListQuery = z.object({
  cursor: z.string().uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
