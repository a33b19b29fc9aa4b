/** What buildApp needs; main.ts builds the concrete objects. */
import type { CarrierConfig, CarrierLiveState } from '../carriers/types';
import type { Account } from '../db/account-store';
import type { CreatedApp, NewApp } from '../db/app-store';
import type { MessageEvent, MessageFilter } from '../db/message-queries';
import type { CarrierPatch, NewCarrier, RouteInput } from '../db/routing-store';
import type { Metrics } from '../metrics/registry';
import type { Acceptor } from '../pipeline/accept';
import type { DeadLetter } from '../pipeline/ports';
import type { Finalized, MessageRecord } from '../pipeline/types';
import type { AppThrottle } from '../pipeline/throttle';
import type { Route, RoutingTable } from '../routing/routing-table';
import type { Logger } from '../log';
import type { AppAuthenticator } from './auth';
import type { AuthFailureLimitOptions } from './auth-failures';

export interface HttpDeps {
  readonly log: Logger;
  readonly adminToken: string;
  readonly metrics: Metrics;
  /** Resolves when Redis and PostgreSQL answer; rejects otherwise. */
  readonly readiness: () => Promise<void>;
  readonly collectMetrics?: () => Promise<void>;
  /** Failed authentications per address before 429 (defaults: 20 a minute). */
  readonly authFailureLimit?: AuthFailureLimitOptions;
  /** Present in processes with the api role. */
  readonly api?: ApiDeps;
}

export interface ApiDeps {
  readonly accounts: {
    create(name: string): Promise<Account>;
    get(id: string): Promise<Account | undefined>;
    credit(id: string, amount: number, reference: string | null): Promise<number | undefined>;
  };
  readonly apps: { create(input: NewApp): Promise<CreatedApp> };
  readonly routingStore: {
    saveCarrier(input: NewCarrier): Promise<CarrierConfig>;
    /** Undefined when there is no live carrier with this id. */
    updateCarrier(id: string, patch: CarrierPatch): Promise<CarrierConfig | undefined>;
    /** False when there is no live carrier with this id; throws CarrierInUseError while a route lists it. */
    deleteCarrier(id: string): Promise<boolean>;
    replaceRoutes(routes: readonly RouteInput[]): Promise<Route[]>;
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
    get(appId: string, id: string): Promise<{ message: MessageRecord; events: MessageEvent[] } | undefined>;
    list(appId: string, filter: MessageFilter): Promise<{ items: MessageRecord[]; nextCursor: string | null }>;
  };
  readonly balances: { balances(accountIds: readonly string[]): Promise<Map<string, number>> };
  readonly acceptor: Acceptor;
  readonly throttle: AppThrottle;
  readonly authenticator: AppAuthenticator;
  readonly defaultValiditySeconds: number;
  /** Counts accepted messages and observes the accept latency (seconds). */
  readonly metricsAccepted: (count: number, latencySeconds: number) => void;
  readonly now: () => Date;
}
