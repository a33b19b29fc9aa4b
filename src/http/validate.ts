/** zod at the edge: a failed parse is a 400 INVALID_REQUEST naming the fields. */
import type { z } from 'zod';
import { GatewayError } from '../core/errors';

export function parse<S extends z.ZodTypeAny>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const first = issues[0];
  throw new GatewayError('INVALID_REQUEST', first ? `${first.path || 'body'}: ${first.message}` : 'invalid request', { issues });
}
