/**
 * The template side of POST /messages: the text rendered from the app's
 * approved template, the template id carried on the messages (their review
 * skips hold rules), and the template's rate policy per destination number
 * (Redis, no database round trip; over it -> 429 THROTTLED with Retry-After).
 */
import { GatewayError } from '../core/errors';
import type { NewMessage } from '../pipeline/types';
import { hasRateLimit } from '../policy/rate-policy';
import type { ParamValue } from '../policy/template';
import { renderSubmission, type TemplateRecord } from '../policy/template-cache';
import type { ApiDeps } from './deps';
import { policyOf } from './rule-routes';

export interface SubmissionContent {
  readonly text: string;
  readonly template: TemplateRecord | null;
}

/** The submission's text: as given, or rendered from its template (400 unknown / 409 not approved / 400 params). */
export async function submissionContent(
  deps: ApiDeps,
  appId: string,
  body: { readonly text?: string | undefined; readonly template?: string | undefined; readonly params?: Readonly<Record<string, ParamValue>> | undefined },
): Promise<SubmissionContent> {
  if (body.template === undefined) return { text: body.text ?? '', template: null };
  const { text, template } = await renderSubmission(policyOf(deps).templateCache, appId, body.template, body.params ?? {});
  return { text, template };
}

/** The messages marked as made from the template (none when there is no template). */
export function withTemplate<M extends NewMessage>(messages: M[], template: TemplateRecord | null): M[] {
  return template ? messages.map((m) => ({ ...m, templateId: template.id })) : messages;
}

/**
 * Counts the messages against the template's rate policy (all or nothing).
 * Returns an undo for when the submission is not accepted after all.
 */
export async function takeTemplateRate(deps: ApiDeps, template: TemplateRecord | null, messages: readonly NewMessage[]): Promise<() => Promise<void>> {
  if (!template || !hasRateLimit(template.ratePolicy)) return async () => undefined;
  const limiter = policyOf(deps).templateRates;
  const sends = messages.map((m) => ({ to: m.to, member: m.id }));
  let verdict;
  try {
    verdict = await limiter.take(template.id, sends, template.ratePolicy);
  } catch (error) {
    throw new GatewayError('QUEUE_UNAVAILABLE', undefined, { cause: (error as Error).message });
  }
  if (!verdict.allowed) {
    throw new GatewayError(
      'THROTTLED',
      `template "${template.name}" allows ${describe(template.ratePolicy)} per destination number`,
      { template: template.id, ratePolicy: template.ratePolicy, numbers: verdict.numbers },
      verdict.retryAfterSeconds,
    );
  }
  return () => limiter.release(template.id, sends).catch(() => undefined);
}

function describe(policy: { perMinute: number | null; perDay: number | null }): string {
  return [policy.perMinute !== null ? `${policy.perMinute} a minute` : '', policy.perDay !== null ? `${policy.perDay} a day` : ''].filter(Boolean).join(' and ');
}
