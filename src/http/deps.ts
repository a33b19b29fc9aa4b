/** What buildApp needs; main.ts builds the concrete objects. */
import type { CarrierConfig, CarrierLiveState } from '../carriers/types';
import type { Account } from '../db/account-store';
import type { AppSettingsPatch, AppUpdate, CreatedApp, NewApp } from '../db/app-store';
import type { StatsCounters } from '../metrics/stats-counters';
import type { MessageDetail, MessageFilter, MessageScope } from '../db/message-queries';
import type { CarrierPatch, NewCarrier, RouteInput } from '../db/routing-store';
import type { Metrics } from '../metrics/registry';
import type { Acceptor } from '../pipeline/accept';
import type { DeadLetter } from '../pipeline/ports';
import type { Finalized, MessageRecord } from '../pipeline/types';
import type { AppThrottle } from '../pipeline/throttle';
import type { Route, RoutingTable } from '../routing/routing-table';
import type { Logger } from '../log';
import type { AuthService } from '../auth/auth-service';
import type { UserStore } from '../db/user-store';
import type { AppKeyDeps } from './app-key-routes';
import type { AuditApiDeps } from './audit-routes';
import type { AppAuthenticator } from './auth';
import type { BatchApiDeps } from './batch-routes';
import type { BillingApiDeps } from './billing-deps';
import type { PolicyApiDeps } from './policy-deps';
import type { AuthFailureLimitOptions } from './auth-failures';
import type { RequestHandler } from 'express';
import type { QueueControl } from './queue-routes';
import type { ReportSource } from './report-routes';

export interface HttpDeps {
  readonly log: Logger;
  readonly adminToken: string;
  readonly metrics: Metrics;
  /** Resolves when Redis and PostgreSQL answer; rejects otherwise. */
  readonly readiness: () => Promise<void>;
  readonly collectMetrics?: () => Promise<void>;
  /**
   * The stats counters of every live process of the deployment, by process id (this one included);
   * absent: the stats stream shows this process's own counters only.
   */
  readonly clusterCounters?: () => Promise<ReadonlyMap<string, StatsCounters>>;
  /** Failed authentications per address before 429 (defaults: 20 a minute). */
  readonly authFailureLimit?: AuthFailureLimitOptions;
  /** Present in processes with the api role. */
  readonly api?: ApiDeps;
  /** bull-board's router, mounted at /admin/queues behind operator authentication (api role). */
  readonly adminQueuesPage?: RequestHandler;
}

export interface ApiDeps {
  readonly accounts: {
    create(name: string): Promise<Account>;
    get(id: string): Promise<Account | undefined>;
    /** `actor` records the credit in the audit trail. */
    credit(id: string, amount: number, reference: string | null, actor?: string): Promise<number | undefined>;
  };
  readonly apps: {
    create(input: NewApp, actor?: string): Promise<CreatedApp>;
    /** Audited settings change; `lowerLimitsOnly` for customers (see AppStore.updateSettings). */
    updateSettings(appId: string, patch: AppSettingsPatch, actor: string, options: { lowerLimitsOnly: boolean }): Promise<AppUpdate>;
  };
  readonly routingStore: {
    // `actor` records the change in the audit trail, in the change's transaction.
    saveCarrier(input: NewCarrier, upsert?: boolean, actor?: string): Promise<CarrierConfig>;
    /** Undefined when there is no live carrier with this id. */
    updateCarrier(id: string, patch: CarrierPatch, actor?: string): Promise<CarrierConfig | undefined>;
    /** False when there is no live carrier with this id; throws CarrierInUseError while a route lists it. */
    deleteCarrier(id: string, actor?: string): Promise<boolean>;
    replaceRoutes(routes: readonly RouteInput[], actor?: string): Promise<Route[]>;
  };
  /** The dead-letter queue (operator). requeue and discard answer undefined when the message is not in it. */
  readonly deadLetters: {
    list(options: { cursor?: string; limit: number }): Promise<{ items: DeadLetter[]; nextCursor: string | null }>;
    requeue(id: string): Promise<{ generation: number } | undefined>;
    discard(id: string): Promise<Finalized | undefined>;
  };
  readonly routing: {
    table(): RoutingTable;
    carrier(id: string): CarrierConfig | undefined;
    carriers(): CarrierConfig[];
    refresh(force?: boolean): Promise<void>;
  };
  readonly carrierStates: () => Promise<Map<string, CarrierLiveState & { breaker: string }>>;
  readonly messages: {
    /** A message in the scope (empty scope: any account, for operators) with its events and parts. */
    get(scope: MessageScope, id: string): Promise<MessageDetail | undefined>;
    list(scope: MessageScope, filter: MessageFilter): Promise<{ items: MessageRecord[]; nextCursor: string | null }>;
  };
  /** Users and sessions, the audit trail, app keys (issue 8). */
  readonly identity: {
    readonly auth: AuthService;
    readonly users: UserStore;
    readonly audit: AuditApiDeps;
    readonly appKeys: Omit<AppKeyDeps, 'authenticator'>;
    /** The account of an app (authorization of /apps/:appId routes); undefined when there is none. */
    appAccount(appId: string): Promise<string | undefined>;
  };
  readonly balances: { balances(accountIds: readonly string[]): Promise<Map<string, number>> };
  readonly acceptor: Acceptor;
  readonly throttle: AppThrottle;
  readonly authenticator: AppAuthenticator;
  readonly defaultValiditySeconds: number;
  /** Counts accepted messages and observes the accept latency (seconds). */
  readonly metricsAccepted: (count: number, latencySeconds: number) => void;
  readonly now: () => Date;
  /** Queue monitoring and intervention, carrier pauses (issue 8). */
  readonly queueControl?: QueueControl;
  /** Reports over the hourly rollup (issue 8). */
  readonly reports?: ReportSource;
  /** Content rules, held review, templates and their rate policy (issue 7, src/http/policy-deps.ts). */
  readonly policy?: PolicyApiDeps;
  /** Rates, credit limits, quotas, numbers, MO, dead callbacks, idempotency (issue 7, src/http/billing-deps.ts). */
  readonly billing?: BillingApiDeps;
  /** Batches (campaigns) and cancelling (issue 10, src/http/batch-routes.ts). */
  readonly batches?: BatchApiDeps;
}
