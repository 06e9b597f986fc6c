/**
 * Checks response bodies against Chatwoot's OpenAPI document
 * (`test/fixtures/chatwoot-swagger.json`, a copy of the reference's `spec/swagger.json`): its component schemas and the response
 * schema of each operation.
 *
 * Swagger is OpenAPI 3.0, so `nullable: true` is turned into JSON Schema
 * (`null` joins the type) and its extra formats (`binary`, `double`) are
 * known to ajv. Where Chatwoot's real behaviour (spec/API.md) contradicts
 * swagger, `SWAGGER_EXCEPTIONS` widens one place of one schema; every
 * exception must be needed by some response (see `unusedExceptions`).
 *
 * An empty body is checked as JSON `null`: a response that swagger documents
 * without content must be empty.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { expect } from 'vitest';
import { SWAGGER_EXCEPTIONS, type SchemaException } from './swagger-exceptions.ts';

type JsonSchema = { [key: string]: unknown };

interface OpenApiResponse {
  content?: { 'application/json'?: { schema?: JsonSchema } };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, OpenApiResponse> }>>;
  components: { schemas: Record<string, JsonSchema> };
}

const SWAGGER_URL = new URL('../fixtures/chatwoot-swagger.json', import.meta.url);
const DOCUMENT_ID = 'swagger';
/** Marks the branch an exception adds; ajv calls it only when swagger's own branch failed. */
const EXCEPTION_KEYWORD = 'x-snypto-exception';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const isObject = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** OpenAPI 3.0 → JSON Schema: `{type: 'x', nullable: true}` becomes `{type: ['x', 'null']}` (and `null` joins an enum). */
function fromOpenApi(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(fromOpenApi);
  if (!isObject(node)) return node;
  const { nullable, ...rest } = node;
  const converted: JsonSchema = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, fromOpenApi(value)]));
  if (nullable === true) {
    if (typeof converted.type === 'string') converted.type = [converted.type, 'null'];
    if (Array.isArray(converted.enum)) converted.enum = [...converted.enum, null];
  }
  return converted;
}

/** `GET /api/v1/accounts/{account_id}/webhooks 200`: how exceptions and reports name one response of an operation. */
const responseKey = (method: string, template: string, status: number) => `${method.toUpperCase()} ${template} ${status}`;

/**
 * Whether one segment of a swagger path template matches one of a request
 * path: a literal equals it; an `{id}` or `{…_id}` parameter takes digits
 * only (so `/conversations/search` is not `/conversations/{conversation_id}`),
 * other parameters (`{inbox_identifier}`) anything.
 */
function matchesSegment(part: string, segment: string) {
  const parameter = /^\{([^}]+)\}$/.exec(part)?.[1];
  if (parameter === undefined) return part === segment;
  return parameter === 'id' || parameter.endsWith('_id') ? /^\d+$/.test(segment) : segment !== '';
}

/** A swagger path template without its trailing slash (spec/API.md §3.1: swagger writes `/inboxes/{id}/`, the routes have none). */
const withoutTrailingSlash = (path: string) => (path.length > 1 ? path.replace(/\/$/, '') : path);

class SwaggerChecker {
  private readonly ajv: Ajv;
  private readonly document: OpenApiDocument;
  /** Response schemas by `responseKey`, as indexes into the compiled document's `responses`. */
  private readonly responseIndex = new Map<string, number>();
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly usedExceptions = new Set<number>();

  constructor(private readonly exceptions: SchemaException[]) {
    this.document = JSON.parse(readFileSync(SWAGGER_URL, 'utf8')) as OpenApiDocument;
    this.ajv = new Ajv({ strict: false, allErrors: true });
    const addFormats = formatsPlugin as unknown as (ajv: Ajv) => Ajv;
    addFormats(this.ajv);
    this.ajv.addFormat('binary', true);
    this.ajv.addFormat('double', { type: 'number', validate: () => true });
    this.ajv.addKeyword({
      keyword: EXCEPTION_KEYWORD,
      schemaType: 'number',
      errors: false,
      validate: (index: number) => {
        this.usedExceptions.add(index);
        return true;
      },
    });
    this.ajv.addSchema(this.compiledDocument(), DOCUMENT_ID);
  }

  /** The schemas ajv sees: components and operation responses in JSON Schema, with the exceptions applied. */
  private compiledDocument() {
    const schemas = fromOpenApi(this.document.components.schemas) as Record<string, JsonSchema>;
    const responses: JsonSchema[] = [];
    for (const [template, operations] of Object.entries(this.document.paths))
      for (const method of METHODS)
        for (const [status, response] of Object.entries(operations[method]?.responses ?? {})) {
          const schema = response.content?.['application/json']?.schema;
          this.responseIndex.set(responseKey(method, template, Number(status)), responses.length);
          responses.push(schema ? (fromOpenApi(schema) as JsonSchema) : { type: 'null' });
        }
    // Deepest first, so that a widened node never hides a deeper exception's path.
    const depth = (exception: SchemaException) => (exception.path === '' ? 0 : exception.path.split(/\.|\[\]/).length);
    const ordered = this.exceptions.map((exception, index) => ({ exception, index }));
    ordered.sort((a, b) => depth(b.exception) - depth(a.exception));
    for (const { exception, index } of ordered) {
      const marked = { allOf: [exception.allow], [EXCEPTION_KEYWORD]: index };
      let root = schemas[exception.schema];
      if (!root) {
        const at = this.responseIndex.get(exception.schema);
        if (at !== undefined) root = responses[at];
        else if (exception.path === '' && /^[A-Z]+ \/\S* \d{3}$/.test(exception.schema)) {
          // A status swagger does not document (e.g. 200 where it says 204): the behaviour alone.
          this.responseIndex.set(exception.schema, responses.length);
          responses.push(marked);
          continue;
        } else throw new Error(`swagger exception ${index}: no schema or operation response "${exception.schema}"`);
      }
      const node = locate(root!, exception.path, exception.schema);
      const original = { ...node };
      for (const key of Object.keys(node)) delete node[key];
      node.anyOf = [original, marked];
    }
    return { $id: DOCUMENT_ID, components: { schemas }, responses };
  }

  private validator(ref: string) {
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOCUMENT_ID}#${ref}` });
      this.validators.set(ref, validate);
    }
    return validate;
  }

  /** ajv's errors for `body` against the schema at `ref` (a JSON pointer into the compiled document), readable. */
  private errors(ref: string, body: unknown): string[] {
    const validate = this.validator(ref);
    const data = body === undefined || body === '' ? null : body;
    if (validate(data)) return [];
    return (validate.errors ?? []).map((error) => readable(error, data));
  }

  schemaErrors(name: string, body: unknown): string[] {
    if (!(name in this.document.components.schemas)) return [`swagger has no component schema "${name}"`];
    return this.errors(`/components/schemas/${name}`, body);
  }

  /** The swagger path template a concrete request path falls under (literal segments win over parameters). */
  operationTemplate(method: string, path: string): string | undefined {
    const segments = withoutTrailingSlash(path.split('?')[0]!).split('/');
    const candidates = Object.keys(this.document.paths).filter((template) => {
      const parts = withoutTrailingSlash(template).split('/');
      return (
        parts.length === segments.length &&
        parts.every((part, i) => matchesSegment(part, segments[i]!)) &&
        this.operationMethod(template, method) !== undefined
      );
    });
    const literals = (template: string) => template.split('/').filter((part) => !part.startsWith('{')).length;
    return candidates.sort((a, b) => literals(b) - literals(a))[0];
  }

  /**
   * The swagger operation answering `method` on `template`. Rails' `update`
   * answers PATCH and PUT alike (spec/API.md §1.1), so an update swagger
   * documents under one verb is the same operation under the other.
   */
  private operationMethod(template: string, method: string): string | undefined {
    const operations = this.document.paths[template] ?? {};
    const verb = method.toLowerCase();
    if (operations[verb]) return verb;
    const twin = verb === 'put' ? 'patch' : verb === 'patch' ? 'put' : undefined;
    return twin && operations[twin] ? twin : undefined;
  }

  /** The statuses swagger documents for the operation answering `method path` (none when it documents no such operation). */
  documentedStatuses(method: string, path: string): number[] {
    const template = this.operationTemplate(method, path);
    if (!template) return [];
    const verb = this.operationMethod(template, method)!;
    return Object.keys(this.document.paths[template]![verb]!.responses ?? {}).map(Number);
  }

  operationErrors(method: string, path: string, status: number, body: unknown): { operation: string; errors: string[] } {
    const template = this.operationTemplate(method, path);
    if (!template) return { operation: `${method} ${path}`, errors: [`swagger documents no operation ${method} ${path}`] };
    const verb = this.operationMethod(template, method)!;
    const key = responseKey(verb, template, status);
    const index = this.responseIndex.get(key);
    if (index === undefined) {
      const documented = this.documentedStatuses(method, path).join(', ');
      return { operation: key, errors: [`swagger documents no ${status} for ${verb.toUpperCase()} ${template} (it has ${documented})`] };
    }
    return { operation: key, errors: this.errors(`/responses/${index}`, body) };
  }

  unusedExceptions(): SchemaException[] {
    return this.exceptions.filter((_, index) => !this.usedExceptions.has(index));
  }
}

/**
 * The node at a dotted property path (`payload[].email`, `[]` for array
 * items) inside `root`, looking into inline `allOf` members. It does not
 * go through a `$ref` (an exception deeper down belongs to the component that
 * declares it), but may end on one: widening that one use only.
 */
function locate(root: JsonSchema, path: string, schema: string): JsonSchema {
  const steps = path === '' ? [] : path.replace(/\[\]/g, '.[]').split('.').filter(Boolean);
  let node = root;
  steps.forEach((step, i) => {
    const next = step === '[]' ? node.items : propertyOf(node, step);
    if (!isObject(next)) throw new Error(`swagger exception: "${schema}" has nothing at "${path}" (stopped at "${step}")`);
    if ('$ref' in next && i < steps.length - 1)
      throw new Error(`swagger exception: "${schema}" reaches ${String(next.$ref)} at "${step}"; put the exception on that component`);
    node = next;
  });
  return node;
}

function propertyOf(node: JsonSchema, name: string): unknown {
  const properties = node.properties;
  if (isObject(properties) && name in properties) return properties[name];
  for (const member of Array.isArray(node.allOf) ? node.allOf : []) {
    if (!isObject(member) || '$ref' in member) continue;
    const found = propertyOf(member, name);
    if (found !== undefined) return found;
  }
  return undefined;
}

function valueAt(data: unknown, pointer: string): unknown {
  let value = data;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    value = isObject(value) || Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

function readable(error: ErrorObject, data: unknown): string {
  const value = JSON.stringify(valueAt(data, error.instancePath)) ?? 'undefined';
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  const params = error.keyword === 'enum' ? ` ${JSON.stringify(error.params.allowedValues)}` : '';
  return `${error.instancePath || '(root)'} ${error.message}${params}, got ${shown} [${error.schemaPath}]`;
}

export const swagger = new SwaggerChecker(SWAGGER_EXCEPTIONS);

/** Fails (softly: the test goes on) with ajv's errors unless `body` matches the component schema `name` of swagger.json. */
export function expectMatchesSchema(body: unknown, name: string) {
  expect.soft(swagger.schemaErrors(name, body), `body does not match swagger schema "${name}"`).toEqual([]);
}

/**
 * Fails (softly: the test goes on) with ajv's errors unless `body` matches
 * what swagger.json documents for `status` of the operation answering
 * `method path` (a concrete path, e.g. `/api/v1/accounts/1/contacts/5`).
 */
export function expectMatchesOperation(method: string, path: string, status: number, body: unknown) {
  const { operation, errors } = swagger.operationErrors(method, path, status, body);
  expect.soft(errors, `${method} ${path} → ${status} does not match swagger (${operation})`).toEqual([]);
}
