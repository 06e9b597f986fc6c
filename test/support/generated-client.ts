/**
 * The REST client generated from Chatwoot's published OpenAPI document
 * (test/fixtures/chatwoot-swagger.json): `npm run codegen` writes its types to
 * test/generated/chatwoot-api.d.ts with openapi-typescript, and openapi-fetch
 * sends the requests those types describe, exactly as a Chatwoot client
 * generated from swagger.json would (trailing slashes included).
 *
 * Also here: swagger's operations as data (to generate one test case per
 * operation) and a documented example of a request body, built from the
 * operation's request schema.
 */
import { readFileSync } from 'node:fs';
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from '../generated/chatwoot-api.d.ts';

export type { paths };

/** A client of every swagger operation, typed by the generated `paths`. */
export type ChatwootApi = Client<paths>;

export type HttpMethod = 'get' | 'put' | 'post' | 'patch' | 'delete';
const METHODS: HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete'];

/**
 * One operation of swagger.json, named by its method and path template as
 * written there: `POST /api/v1/accounts/{account_id}/inboxes/`.
 */
export type OperationKey = {
  [P in keyof paths]: {
    [M in HttpMethod]: paths[P][M] extends undefined ? never : `${Uppercase<M>} ${P & string}`;
  }[HttpMethod];
}[keyof paths];

/** A request the generated client sent: its method and URL. */
export interface SentRequest {
  method: string;
  url: URL;
}

/**
 * A generated client for `baseUrl`, sending `token` as `api_access_token`
 * (none for the Client API), and recording each request it sends in `sent`.
 */
export function generatedClient(baseUrl: string, token: string | null, sent: SentRequest[]): ChatwootApi {
  const api = createClient<paths>({ baseUrl, headers: token ? { api_access_token: token } : {} });
  const recorder: Middleware = {
    onRequest({ request }) {
      sent.push({ method: request.method, url: new URL(request.url) });
    },
  };
  api.use(recorder);
  return api;
}

type JsonSchema = { [key: string]: unknown };

interface SwaggerParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}

interface SwaggerOperationObject {
  operationId?: string;
  parameters?: (SwaggerParameter | { $ref: string })[];
  security?: Record<string, string[]>[];
  requestBody?: { content: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, unknown>;
}

interface SwaggerDocument {
  paths: Record<string, Partial<Record<HttpMethod, SwaggerOperationObject>> & { parameters?: SwaggerOperationObject['parameters'] }>;
  components: { schemas: Record<string, JsonSchema>; parameters: Record<string, SwaggerParameter> };
}

/** Which token an operation takes, from its `security`: a user's, a platform app's, or none (Client API, CSAT page). */
export type Credential = 'user' | 'platform' | 'none';

/** One swagger operation, as data. */
export interface SwaggerOperation {
  key: OperationKey;
  method: HttpMethod;
  template: string;
  operationId: string;
  credential: Credential;
  /** Path, query and header parameters (the path's and the operation's), `$ref`s resolved. */
  parameters: SwaggerParameter[];
  /** The JSON request body schema, when the operation documents one. */
  requestBody?: JsonSchema;
}

const document = JSON.parse(
  readFileSync(new URL('../fixtures/chatwoot-swagger.json', import.meta.url), 'utf8'),
) as SwaggerDocument;

const resolveRef = <T>(node: T | { $ref: string }, section: 'schemas' | 'parameters'): T => {
  if (node && typeof node === 'object' && '$ref' in node) {
    const name = node.$ref.split('/').pop()!;
    return document.components[section][name] as T;
  }
  return node as T;
};

/** Every operation of swagger.json, in the document's order. */
export function swaggerOperations(): SwaggerOperation[] {
  const operations: SwaggerOperation[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])].map((p) =>
        resolveRef<SwaggerParameter>(p, 'parameters'),
      );
      const schemes = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
      const credential: Credential = schemes.includes('platformAppApiKey') ? 'platform' : schemes.length > 0 ? 'user' : 'none';
      const content = operation.requestBody?.content;
      operations.push({
        key: `${method.toUpperCase()} ${template}` as OperationKey,
        method,
        template,
        operationId: operation.operationId ?? '',
        credential,
        parameters,
        requestBody: content?.['application/json']?.schema,
      });
    }
  }
  return operations;
}

/**
 * Whether `pathname` is `template` with its parameters filled in: literal
 * segments equal, each `{parameter}` one non-empty segment, the trailing
 * slash as swagger writes it.
 */
export function pathFollowsTemplate(pathname: string, template: string): boolean {
  const pattern = template
    .split(/(\{[^}]+\})/)
    .map((part) => (/^\{[^}]+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${pattern}$`).test(pathname);
}

/**
 * An example value of `schema` as swagger documents it: its `example`, the
 * first `enum` value, or a value of its type; objects with every documented
 * property (nesting stops after a few levels).
 */
export function exampleOf(schema: JsonSchema | undefined, depth = 0): unknown {
  if (!schema) return undefined;
  const node = resolveRef<JsonSchema>(schema, 'schemas');
  if (node.example !== undefined) return node.example;
  if (Array.isArray(node.enum) && node.enum.length > 0) return node.enum[0];
  if (Array.isArray(node.allOf)) return Object.assign({}, ...node.allOf.map((member) => exampleOf(member as JsonSchema, depth)));
  const type = node.type ?? (node.properties ? 'object' : undefined);
  switch (type) {
    case 'object': {
      if (depth >= 4) return {};
      const properties = (node.properties ?? {}) as Record<string, JsonSchema>;
      return Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, exampleOf(property, depth + 1)]));
    }
    case 'array':
      return depth >= 4 ? [] : [exampleOf(node.items as JsonSchema, depth + 1)];
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'string':
      return node.format === 'date-time' ? '2024-01-01T00:00:00Z' : node.format === 'date' ? '2024-01-01' : 'example';
    default:
      return null;
  }
}
