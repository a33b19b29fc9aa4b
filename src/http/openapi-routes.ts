/**
 * GET /api/v1/openapi.json (the document) and GET /docs (a self-contained
 * HTML rendering of it: no CDN, no script, so it works offline and under a
 * strict Content-Security-Policy).
 */
import { Router } from 'express';
import { API_ROUTES } from './api-routes';
import { buildOpenApi, type OpenApiDocument } from './openapi';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pretty = (v: unknown): string => escape(JSON.stringify(v, null, 2));

/** Renders the document as one HTML page grouped by tag. */
export function renderDocsHtml(doc: OpenApiDocument): string {
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = String(op.tags?.[0] ?? 'other');
      const params = (op.parameters ?? []) as Array<{ name: string; in: string; required?: boolean; schema?: unknown }>;
      const body = op.requestBody?.content?.['application/json'];
      const responses = Object.entries(op.responses ?? {}) as Array<[string, { description?: string }]>;
      const html = `
      <section class="op" id="${escape(`${method}-${path}`)}">
        <h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code></h3>
        <p>${escape(String(op.summary ?? ''))}</p>
        <p class="roles">${escape(String(op.description ?? ''))}</p>
        ${params.length ? `<table><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th></tr>${params
          .map((p) => `<tr><td><code>${escape(p.name)}</code></td><td>${escape(p.in)}</td><td>${p.required ? 'yes' : 'no'}</td><td><code>${pretty(p.schema ?? {})}</code></td></tr>`)
          .join('')}</table>` : ''}
        ${body ? `<details><summary>request body schema</summary><pre>${pretty(body.schema)}</pre></details>` : ''}
        ${body?.example !== undefined ? `<p>example body:</p><pre>${pretty(body.example)}</pre>` : ''}
        <ul class="responses">${responses.map(([status, r]) => `<li><b>${escape(status)}</b> ${escape(r.description ?? '')}</li>`).join('')}</ul>
      </section>`;
      byTag.set(tag, [...(byTag.get(tag) ?? []), html]);
    }
  }
  const nav = [...byTag.keys()].map((t) => `<a href="#tag-${escape(t)}">${escape(t)}</a>`).join(' · ');
  const sections = [...byTag.entries()].map(([tag, ops]) => `<h2 id="tag-${escape(tag)}">${escape(tag)}</h2>${ops.join('')}`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(doc.info.title)} API ${escape(doc.info.version)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1000px;padding:1rem 2rem;color:#1d2330}
code,pre{font:13px ui-monospace,monospace}pre{background:#f4f5f7;padding:.6rem;overflow:auto;border-radius:4px}
.op{border-top:1px solid #e3e5e8;padding:.4rem 0}.m{display:inline-block;min-width:4.5em;text-align:center;color:#fff;border-radius:3px;padding:0 .3em}
.get{background:#2f7d32}.post{background:#1565c0}.put{background:#8e5b00}.patch{background:#6a1b9a}.delete{background:#b71c1c}
.roles{color:#5a6270}table{border-collapse:collapse}td,th{border:1px solid #e3e5e8;padding:.2rem .5rem;text-align:left;vertical-align:top}
</style></head><body>
<h1>${escape(doc.info.title)} API <small>${escape(doc.info.version)}</small></h1>
<p>${escape(doc.info.description ?? '')} The machine-readable document is <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI ${escape(doc.openapi)}).</p>
<nav>${nav}</nav>
${sections}
</body></html>`;
}

export function openApiRouter(version: string): Router {
  const router = Router();
  let doc: OpenApiDocument | undefined;
  let html: string | undefined;
  const document = () => (doc ??= buildOpenApi(API_ROUTES, version));
  router.get('/api/v1/openapi.json', (_req, res) => {
    res.json(document());
  });
  router.get('/docs', (_req, res) => {
    html ??= renderDocsHtml(document());
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    res.type('html').send(html);
  });
  return router;
}
