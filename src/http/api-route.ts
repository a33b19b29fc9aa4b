/**
 * The vocabulary of the route table (api-routes.ts): what one entry says,
 * and the access groups entries share.
 */
import type { z, ZodTypeAny } from 'zod';
import type { Access, GatedRoute } from './authorize';

export interface ApiRoute extends GatedRoute {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  readonly summary: string;
  readonly tag: string;
  readonly request?: { readonly body?: ZodTypeAny; readonly query?: z.AnyZodObject; readonly params?: z.AnyZodObject };
  /** A request that validates (checked by test/integration/operations/openapi.test.ts). */
  readonly example?: { readonly body?: unknown; readonly query?: Record<string, string>; readonly params?: Record<string, string> };
  /** The success status and what it answers (with its zod schema where one is declared). */
  readonly success: { readonly status: number; readonly description: string; readonly schema?: ZodTypeAny };
  /** Not JSON (Prometheus text, HTML). */
  readonly produces?: string;
}

export const PUBLIC: Access = { public: true };
export const ADMIN: Access = { roles: ['admin'] };
/** Content rules, held review, template approval. */
export const REVIEW: Access = { roles: ['admin', 'reviewer'] };
/** Prices and credit limits. */
export const FINANCE: Access = { roles: ['admin', 'finance'] };
/** Things an app's owner manages: the app itself (Basic), its customer user, or an admin. */
export const OWN_APP: Access = { roles: ['admin', 'customer', 'app'], scope: { appParam: 'appId' } };
/** The same without the app's own credentials (staff-side handlers). */
export const OWN_APP_STAFF: Access = { roles: ['admin', 'customer'], scope: { appParam: 'appId' } };
