/**
 * `GET /`: what is running here and where to go next. A browser gets a small
 * self-contained HTML page (inline CSS, nothing loaded from elsewhere, so it
 * works offline like GraphiQL); a client that asks for JSON and not HTML gets
 * the same facts as JSON, so API clients probing `/` are not handed a page.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import packageJson from '../../package.json' with { type: 'json' };
import type { Database } from '../db.ts';

/** Where each entrypoint is; the JSON answer's keys and the page's list. */
const ENDPOINTS = [
  { key: 'graphql', path: '/graphql', label: 'GraphQL over HTTP, GraphiQL in a browser, graphql-ws (WebSocket)', link: true },
  { key: 'graphqlSse', path: '/graphql/stream', label: 'graphql-sse', link: false },
  { key: 'rest', path: '/api/v1', label: 'REST base (Chatwoot-compatible API)', link: false },
  { key: 'cable', path: '/cable', label: 'Action Cable (WebSocket)', link: false },
  { key: 'health', path: '/health', label: 'liveness probe', link: true },
  { key: 'ready', path: '/ready', label: 'readiness probe', link: true },
  { key: 'metrics', path: '/metrics', label: 'Prometheus metrics', link: true },
] as const;

/** Headings of the README (it is not served here). */
const README_SECTIONS = [
  'Run it',
  'Walk-through: the API channel end to end',
  'GraphQL',
  'Real time over /cable',
  'Webhooks',
  'Running in production',
];

const DATABASE_NAMES: Record<Database['kind'], string> = { pglite: 'PGlite (embedded)', postgresql: 'PostgreSQL' };

export function mountLanding(http: FastifyInstance, { database }: { database: Database['kind'] }): void {
  const facts = {
    name: 'Snypto',
    version: packageJson.version,
    database,
    ...Object.fromEntries(ENDPOINTS.map(({ key, path }) => [key, path])),
  };
  const page = landingPage(packageJson.version, DATABASE_NAMES[database]);
  http.get('/', async (request, reply) => {
    reply.header('vary', 'Accept').header('cache-control', 'no-cache');
    if (wantsJson(request)) return facts;
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(page);
  });
}

function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

function landingPage(version: string, database: string): string {
  const endpoints = ENDPOINTS.map(({ path, label, link }) => {
    const name = link ? `<a href="${path}"><code>${path}</code></a>` : `<code>${path}</code>`;
    return `<li>${name} ${label}</li>`;
  }).join('\n      ');
  const sections = README_SECTIONS.map((title) => `<li>see README: ${title}</li>`).join('\n      ');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Snypto</title>
    <style>
      body { font: 16px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 3rem auto; padding: 0 1rem; color: #222; }
      h1 { margin-bottom: 0; }
      .meta { color: #666; margin-top: 0.25rem; }
      code { font-size: 0.95em; background: #f2f2f2; padding: 0.1em 0.3em; border-radius: 3px; }
      a { color: #0b5cad; }
      li { margin: 0.3rem 0; }
    </style>
  </head>
  <body>
    <h1>Snypto</h1>
    <p class="meta">version ${version} · database: ${database}</p>
    <p>${packageJson.description}</p>
    <p><a href="/graphql">Open GraphiQL</a> to explore the schema and run queries (send your access token as an
      <code>Authorization: Bearer …</code> header).</p>
    <h2>Endpoints</h2>
    <ul>
      ${endpoints}
    </ul>
    <h2>Documentation</h2>
    <ul>
      ${sections}
    </ul>
  </body>
</html>
`;
}
