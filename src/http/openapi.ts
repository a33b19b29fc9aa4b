/**
 * The OpenAPI 3.1 document, generated from the route table (api-routes.ts)
 * and the zod schemas the handlers validate with; nothing is kept by hand.
 * `extendZodWithOpenApi` patches zod's prototype once (zod-to-openapi needs
 * it to describe parameters); it changes no validation behaviour.
 */
import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { ApiRoute } from './api-route';

extendZodWithOpenApi(z);

/** Express ':id' segments -> OpenAPI '{id}'. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function security(route: ApiRoute): Array<Record<string, string[]>> | undefined {
  if ('public' in route.access) return [];
  const schemes: Array<Record<string, string[]>> = [];
  const roles = route.access.roles;
  if (roles.some((r) => r !== 'app')) schemes.push({ bearer: [] });
  if (roles.includes('app')) schemes.push({ basic: [] });
  return schemes;
}

function rolesNote(route: ApiRoute): string {
  if ('public' in route.access) return 'No authentication.';
  const scope = route.access.scope;
  const scopeNote =
    scope === 'own'
      ? ' Customers and apps see only their own account.'
      : scope && 'accountParam' in scope
        ? ` Customers only for their own account (:${scope.accountParam}).`
        : scope
          ? ` Customers only for apps of their own account (:${scope.appParam}).`
          : '';
  return `Roles: ${route.access.roles.join(', ')}.${scopeNote}`;
}

export interface OpenApiDocument {
  readonly openapi: string;
  readonly info: { title: string; version: string; description?: string };
  readonly paths: Record<string, Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any -- OpenAPI JSON
  readonly components?: Record<string, unknown>;
}

export function buildOpenApi(routes: readonly ApiRoute[], version: string): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'ADMIN_TOKEN (admin) or a user access token from POST /api/v1/auth/login',
  });
  registry.registerComponent('securitySchemes', 'basic', { type: 'http', scheme: 'basic', description: 'appId:secret of an application' });
  for (const route of routes) {
    const request: Record<string, unknown> = {};
    if (route.request?.params) request.params = route.request.params;
    if (route.request?.query) request.query = route.request.query;
    if (route.request?.body) {
      request.body = {
        required: true,
        content: { 'application/json': { schema: route.request.body, ...(route.example?.body !== undefined ? { example: route.example.body } : {}) } },
      };
    }
    const sec = security(route);
    registry.registerPath({
      method: route.method,
      path: openApiPath(route.path),
      summary: route.summary,
      description: rolesNote(route),
      tags: [route.tag],
      ...(sec ? { security: sec } : {}),
      request,
      responses: {
        [route.success.status]: {
          description: route.success.description,
          ...(route.success.status !== 204 ? { content: { [route.produces ?? 'application/json']: { schema: route.success.schema ?? {} } } } : {}),
        },
        ...('public' in route.access ? {} : { 401: { description: 'no or wrong credentials' }, 403: { description: 'the role may not do this' } }),
        ...(route.request ? { 400: { description: '{error: {code, message, details}}' } } : {}),
      },
      ...(route.example?.query || route.example?.params ? { 'x-example': { query: route.example.query, params: route.example.params } } : {}),
    });
  }
  const generator = new OpenApiGeneratorV31(registry.definitions);
  return generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'smsgw',
      version,
      description: 'Carrier-facing SMS gateway. Errors are {"error": {"code", "message", "details"}}; lists are {"items", "nextCursor"}.',
    },
  }) as unknown as OpenApiDocument;
}
