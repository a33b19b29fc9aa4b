/** Request bodies and queries of the batch (campaign) API and of cancelling (zod), beside batch-routes.ts. */
import { z } from 'zod';
import { MAX_BATCH_RECIPIENTS } from '../campaigns/batch-plan';
import { templateParams } from './policy-schemas';
import { httpUrl, noNul } from './schemas';

/** ISO 8601 with an offset; the 35-day and past rules are checked by src/campaigns/schedule.ts. */
export const scheduleAtField = z.string().min(1).max(64);

const sharedFields = {
  text: z.string().min(1, 'must not be empty').max(10_000).refine(noNul, 'must not contain NUL').optional(),
  /** An approved template of the app (id or name); each recipient's params render it. */
  template: z.string().min(1).max(100).optional(),
  from: z.string().min(1).max(15).optional(),
  priority: z.enum(['normal', 'express']).optional(),
  scheduleAt: scheduleAtField.optional(),
  callbackUrl: httpUrl.optional(),
};

export const batchBody = z
  .object({
    ...sharedFields,
    to: z.array(z.string().min(1).max(32)).min(1).max(MAX_BATCH_RECIPIENTS).optional(),
    /** Instead of `to`: numbers with their own template params. */
    recipients: z
      .array(z.object({ to: z.string().min(1).max(32), params: templateParams.optional() }).strict())
      .min(1)
      .max(MAX_BATCH_RECIPIENTS)
      .optional(),
    /** Template params shared by every recipient of `to` (a recipient's own params win). */
    params: templateParams.optional(),
    validity: z.number().int().min(60).max(7 * 86400).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if ((b.to === undefined) === (b.recipients === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'give exactly one of to and recipients' });
    }
    if ((b.text === undefined) === (b.template === undefined)) {
      ctx.addIssue({ code: 'custom', path: b.text === undefined ? ['text'] : ['template'], message: 'give exactly one of text or template' });
    }
  });

/** POST /batches with Content-Type text/csv: the body is the recipients (a `to` column, param columns); the rest here. */
export const batchCsvQuery = z
  .object({
    ...sharedFields,
    validity: z.coerce.number().int().min(60).max(7 * 86400).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if ((b.text === undefined) === (b.template === undefined)) {
      ctx.addIssue({ code: 'custom', path: b.text === undefined ? ['text'] : ['template'], message: 'give exactly one of text or template' });
    }
  });

export const batchListQuery = z.object({
  cursor: z.string().uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const batchMessagesQuery = z.object({
  status: z.enum(['accepted', 'held', 'queued', 'submitted', 'delivered', 'undelivered', 'expired', 'failed', 'rejected']).optional(),
  cursor: z.string().uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
