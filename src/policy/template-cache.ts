/**
 * Templates at the edge: each process caches an app's templates on first
 * use and drops the whole cache when the templates' version counter moves
 * (config_versions 'templates', polled every 500 ms), so an approval is in
 * force everywhere within about a second and a submission naming a template
 * costs no database round trip once its app is cached.
 */
import { GatewayError } from '../core/errors';
import type { RatePolicy } from './rate-policy';
import { renderTemplate, type ParamValue } from './template';
import { VersionPoller } from '../core/version-poller';

export const TEMPLATE_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type TemplateStatus = (typeof TEMPLATE_STATUSES)[number];

export interface TemplateRecord {
  readonly id: string;
  readonly appId: string;
  readonly name: string;
  readonly body: string;
  readonly ratePolicy: RatePolicy | null;
  readonly status: TemplateStatus;
  readonly createdBy: string;
  readonly decidedBy: string | null;
  readonly decidedAt: Date | null;
  readonly decisionReason: string | null;
  readonly createdAt: Date;
}

export interface TemplateSource {
  version(): Promise<number>;
  forApp(appId: string): Promise<TemplateRecord[]>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class TemplateCache {
  private byApp = new Map<string, Promise<TemplateRecord[]>>();
  private readonly poller: VersionPoller;

  constructor(
    private readonly source: TemplateSource,
    onError: (error: unknown) => void = () => undefined,
  ) {
    this.poller = new VersionPoller(
      () => source.version(),
      async () => {
        this.byApp = new Map();
      },
      onError,
    );
  }

  start(pollIntervalMs = 500): Promise<void> {
    return this.poller.start(pollIntervalMs);
  }

  stop(): void {
    this.poller.stop();
  }

  /** Forgets everything (after a change made in this process). */
  invalidate(): void {
    this.byApp = new Map();
  }

  /** The app's template named by id or name, whatever its status. */
  async find(appId: string, ref: string): Promise<TemplateRecord | undefined> {
    let entry = this.byApp.get(appId);
    if (!entry) {
      entry = this.source.forApp(appId);
      this.byApp.set(appId, entry);
      entry.catch(() => this.byApp.delete(appId));
    }
    const templates = await entry;
    return templates.find((t) => (UUID.test(ref) && t.id === ref.toLowerCase()) || t.name === ref);
  }
}

/**
 * The text of a submission that names a template: the app's approved
 * template rendered with params. Unknown template: 400; not approved: 409;
 * missing or unknown params: 400 with details.
 */
export async function renderSubmission(
  cache: Pick<TemplateCache, 'find'>,
  appId: string,
  ref: string,
  params: Readonly<Record<string, ParamValue>>,
): Promise<{ text: string; template: TemplateRecord }> {
  const template = await cache.find(appId, ref);
  if (!template) throw new GatewayError('INVALID_REQUEST', `no template "${ref}" for this app`, { template: ref });
  if (template.status !== 'approved') {
    throw new GatewayError('CONFLICT', `template "${template.name}" is ${template.status}; only approved templates can be used`, {
      template: template.id,
      status: template.status,
    });
  }
  return { text: renderTemplate(template.body, params), template };
}
