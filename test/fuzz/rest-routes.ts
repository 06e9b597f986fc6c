/**
 * The REST surface as the fuzz suite sees it, read from the route table
 * itself so that a new route is fuzzed without being listed here: each
 * method and Fastify path, its scope and wrapper key, its path parameters,
 * and the body/query fields it reads — the `params.*` its handler (and the
 * route-file helpers it passes `params` to) reads, plus the request-body
 * properties swagger documents for the same operation.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { routeTable } from '../../src/rest/table.ts';
import type { Method, Route } from '../../src/rest/route.ts';

export interface FuzzRoute {
  method: Method;
  /** Fastify path, e.g. `/api/v1/accounts/:account_id/contacts/:id`. */
  path: string;
  scope: Route['scope'];
  wrap?: string;
  /** Path parameter names in order. */
  pathParams: string[];
  /** Fields the route reads (handler, its helpers, swagger's request body). */
  fields: string[];
  /** `name` for the title of its test. */
  title: string;
}

const ROUTES_DIR = path.resolve(import.meta.dirname, '../../src/rest/routes');
const routeSources = readdirSync(ROUTES_DIR)
  .filter((file) => file.endsWith('.ts'))
  .map((file) => readFileSync(path.join(ROUTES_DIR, file), 'utf8'))
  .join('\n\n');

// The lookbehind skips a bundler's `import_params.text` (calls of the params module).
const PARAM_READ = /(?<![\w$.])params(?:\.([A-Za-z_]\w*)|\[['"]([^'"]+)['"]\])/g;
const paramsRead = (source: string) => [...source.matchAll(PARAM_READ)].map((m) => (m[1] ?? m[2])!);

/** `params.*` read by a helper defined in a route file (its text up to the next blank line). */
function helperFields(name: string): string[] {
  const start = routeSources.search(new RegExp(`(?:function ${name}\\b|const ${name}\\s*=)`));
  if (start === -1) return [];
  const end = routeSources.indexOf('\n\n', start);
  return paramsRead(routeSources.slice(start, end === -1 ? undefined : end));
}

function handlerFields(route: Route): string[] {
  const source = route.handle.toString();
  const helpers = [...source.matchAll(/([A-Za-z_]\w*)\((?:request\.)?params\b/g)].map((m) => m[1]!);
  return [...paramsRead(source), ...helpers.flatMap(helperFields)];
}

interface Schema {
  $ref?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
}
const swagger = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '../fixtures/chatwoot-swagger.json'), 'utf8'),
) as { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>>; components: { schemas: Record<string, Schema> } };

/** Property names of a schema, one level of nesting included (wrapped bodies, `channel`). */
function schemaFields(schema: Schema | undefined, depth = 0, seen = new Set<string>()): string[] {
  if (!schema || depth > 2) return [];
  if (schema.$ref) {
    if (seen.has(schema.$ref)) return [];
    seen.add(schema.$ref);
    return schemaFields(swagger.components.schemas[schema.$ref.split('/').pop()!], depth, seen);
  }
  const nested = [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])];
  return [
    ...Object.entries(schema.properties ?? {}).flatMap(([key, value]) => [key, ...schemaFields(value, depth + 1, seen)]),
    ...nested.flatMap((s) => schemaFields(s, depth, seen)),
    ...schemaFields(schema.items, depth, seen),
  ];
}

/** `/a/{x}/b/` and `/a/:y/b` compare equal. */
const shape = (p: string) => p.replace(/\{[^}]+\}|:[A-Za-z_]+/g, '{}').replace(/\/$/, '');

function swaggerFields(method: Method, routePath: string): string[] {
  const fields: string[] = [];
  for (const [swaggerPath, operations] of Object.entries(swagger.paths)) {
    if (shape(swaggerPath) !== shape(routePath)) continue;
    const operation = operations[method.toLowerCase()] ?? (method === 'PUT' ? operations.patch : method === 'PATCH' ? operations.put : undefined);
    for (const media of Object.values(operation?.requestBody?.content ?? {})) fields.push(...schemaFields(media.schema));
  }
  return fields;
}

/** Every method of every route of the table. */
export const fuzzRoutes: FuzzRoute[] = routeTable.flatMap((route) =>
  ([] as Method[]).concat(route.method).map((method) => {
    const pathParams = [...route.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]!);
    const fields = [...new Set([...handlerFields(route), ...swaggerFields(method, route.path)])].filter(
      (field) => !pathParams.includes(field),
    );
    return { method, path: route.path, scope: route.scope, wrap: route.wrap, pathParams, fields, title: `${method} ${route.path}` };
  }),
);

/** Every field any route reads: random extra keys come from here. */
export const allFields = [...new Set(fuzzRoutes.flatMap((route) => route.fields))].sort();
