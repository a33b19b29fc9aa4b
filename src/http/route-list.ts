/**
 * Every route mounted on an express app, found by walking its router stack
 * (express 5 / router 2: a layer's mount path is `rawPath`). Tests compare
 * it with the route table, so a route added without an entry fails them.
 */
import type { Express } from 'express';

export interface MountedRoute {
  readonly method: string;
  readonly path: string;
}

interface LayerLike {
  readonly route?: { readonly path: string | string[]; readonly methods: Record<string, boolean> };
  /** A router has a stack; an express sub-application has a router with one. */
  readonly handle?: { readonly stack?: readonly LayerLike[]; readonly router?: { readonly stack?: readonly LayerLike[] } };
  readonly rawPath?: string | string[];
}

const join = (prefix: string, path: string): string => {
  const joined = `${prefix}/${path}`.replace(/\/{2,}/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
};

export function mountedRoutes(app: Express): MountedRoute[] {
  const out: MountedRoute[] = [];
  const walk = (stack: readonly LayerLike[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const method of Object.keys(layer.route.methods)) {
          if (method === '_all') continue;
          for (const p of paths) out.push({ method: method.toLowerCase(), path: join(prefix, p) });
        }
      } else {
        const stack = layer.handle?.stack ?? layer.handle?.router?.stack;
        if (!stack) continue;
        const mounts = Array.isArray(layer.rawPath) ? layer.rawPath : [layer.rawPath ?? '/'];
        for (const mount of mounts) walk(stack, join(prefix, typeof mount === 'string' ? mount : '/'));
      }
    }
  };
  walk((app as unknown as { router: { stack: LayerLike[] } }).router.stack, '');
  return out;
}
