/**
 * Hostile GraphQL variables as fast-check arbitraries, generated from the
 * schema itself: for an input type, a value of that type whose leaves are
 * hostile (see rest-hostile.ts) or, where asked, a value of another type that
 * coercion must refuse; and a lean selection for any output type, so that a
 * generated operation reads what a resolver returns without breaking the
 * query limits.
 */
import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';
import { Entries, hostileNumber, hostileString, PROTO_KEYS, Raw, writeJson, type Value } from './rest-hostile.ts';

/** Valid and invalid global ids by the type a field names. */
export interface IdPool {
  /** Global ids of seeded records, by typename. */
  valid: Record<string, string[]>;
  /** Ids of other accounts' records, malformed ids, ids of other types. */
  foreign: string[];
}

const deepArray = (levels: number) => new Raw(`${'['.repeat(levels)}"x"${']'.repeat(levels)}`, `[${levels}]`);
const deepObject = (levels: number) => new Raw(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`, `{${levels}}`);

/** JSON objects (the JSONObject scalar) that have broken servers: deep, prototype keys, hostile keys and leaves. */
const hostileJsonObject: fc.Arbitrary<Value> = fc.oneof(
  fc
    .constantFrom(deepArray(50), deepArray(99), deepArray(101), deepArray(10_000), deepObject(99), deepObject(1_000), deepObject(10_000))
    .map((deep) => new Entries([['k', deep]])),
  fc.constant(new Raw('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}', 'proto')),
  fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...PROTO_KEYS), hostileString.filter((s) => s.length < 300), fc.constantFrom('name', 'plan', 'tier')),
        fc.oneof(hostileString, hostileNumber, fc.constantFrom<Value>(true, null, [], ['a', 1])),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => new Entries(pairs)),
);

const hostileDateTime: fc.Arbitrary<Value> = fc.oneof(
  fc.constantFrom(
    '2030-01-01T00:00:00Z',
    '1970-01-01T00:00:00.000Z',
    '0000-01-01T00:00:00Z',
    '+275760-09-13T00:00:00.000Z',
    '-271821-04-20T00:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
    '2024-02-30T00:00:00Z',
    '2024-01-01',
    'tomorrow',
  ),
  hostileString.filter((s) => s.length < 300),
);

/** Strings that a field of this name reads as something (a filter key, an email, a URL), hostile or not. */
function stringFor(field: string): fc.Arbitrary<Value> {
  const named: Record<string, string[]> = {
    attributeKey: ['status', 'inbox_id', 'assignee_id', 'team_id', 'name', 'email', 'phone_number', 'identifier', 'country_code', 'created_at', 'last_activity_at', 'labels', 'plan', 'display_id', 'priority'],
    filterOperator: ['equal_to', 'not_equal_to', 'contains', 'does_not_contain', 'is_present', 'is_not_present', 'is_greater_than', 'is_less_than', 'days_before', 'starts_with'],
    queryOperator: ['and', 'or', 'AND', 'OR', 'xor'],
    email: ['jane@example.com', 'UPPER@Example.COM'],
    url: ['https://example.com/hook', 'http://[::ffff:127.0.0.1]/', 'http://[2002:7f00:1::]/', 'ftp://example.com/'],
    webhookUrl: ['https://example.com/hook', 'http://localhost:99999/'],
    avatarUrl: ['https://example.com/a.png', 'data:image/png;base64,AAAA'],
    phoneNumber: ['+15555550100', '+1'],
  };
  const known = named[field] ?? [];
  return fc.oneof(
    { weight: 3, arbitrary: hostileString },
    { weight: known.length ? 3 : 1, arbitrary: fc.constantFrom(...known, 'Jane', 'label-1') },
  );
}

/** The typename a global id argument of this name refers to. */
function typenameOf(field: string, operation: string): string | undefined {
  const byField: Record<string, string> = {
    accountId: 'Account',
    inboxId: 'Inbox',
    contactId: 'Contact',
    conversationId: 'Conversation',
    messageId: 'Message',
    agentIds: 'Agent',
    assigneeId: 'Agent',
    agentBotId: 'AgentBot',
    teamId: 'Team',
    webhookId: 'Webhook',
    deliveryId: 'WebhookDelivery',
  };
  if (byField[field]) return byField[field];
  if (field === 'id' || field === 'ids') return /Contact|Inbox|Webhook|Agent|Conversation|Message|Account/.exec(operation)?.[0];
  return undefined;
}

function idFor(field: string, operation: string, ids: IdPool): fc.Arbitrary<Value> {
  const valid = ids.valid[typenameOf(field, operation) ?? ''] ?? [];
  const all = Object.values(ids.valid).flat();
  return fc.oneof(
    ...(valid.length ? [{ weight: 6, arbitrary: fc.constantFrom<Value>(...valid) }] : []),
    { weight: 2, arbitrary: fc.constantFrom<Value>(...ids.foreign) },
    { weight: 1, arbitrary: fc.constantFrom<Value>(...all) },
    { weight: 1, arbitrary: hostileString },
  );
}

/** Values of another type than `type` (and of another shape): GraphQL coercion must refuse them cleanly. */
export function wrongFor(type: GraphQLInputType): fc.Arbitrary<Value> {
  const named = getNamedType(type);
  const candidates: Value[] = [new Entries([['__proto__', 1]]), new Entries([]), ['x'], 'text', 7, 1.5, true, new Raw('1e999', '1e999')];
  if (isNonNullType(type)) candidates.push(null);
  if (isInputObjectType(named)) candidates.push(new Entries([['unknownField', 1]]), new Entries([['constructor', 'x']]));
  if (isEnumType(named)) candidates.push('lowercase', 'NOT_A_VALUE');
  if (named.name === 'Int') candidates.push(2 ** 31, -(2 ** 31) - 1, 2 ** 53, '12');
  return fc.constantFrom(...candidates.filter((value) => !(named.name === 'JSONObject' && value instanceof Entries)));
}

/**
 * A value for `type`: type-correct with hostile leaves, or, where
 * `wrongWeight` > 0, sometimes a wrong-typed value in one of its places.
 */
export function valueFor(type: GraphQLInputType, field: string, operation: string, ids: IdPool, wrongWeight = 0, depth = 0): fc.Arbitrary<Value> {
  const correct = correctValueFor(type, field, operation, ids, wrongWeight, depth);
  return wrongWeight > 0 ? fc.oneof({ weight: 12, arbitrary: correct }, { weight: wrongWeight, arbitrary: wrongFor(type) }) : correct;
}

/** The largest item (roughly, in characters of JSON) a 2,000-long list is made of. */
const LONG_LIST_ITEM = 1_024;

/** About how many characters `value` takes as JSON, counted only up to `limit`. */
function roughSize(value: Value, limit: number): number {
  if (typeof value === 'string') return value.length;
  if (value instanceof Raw) return value.chunk.length;
  if (value === null || typeof value !== 'object') return 8;
  let size = 2;
  const items = value instanceof Entries ? value.pairs.map(([key, item]): Value[] => [key, item]) : value;
  for (const item of items) {
    size += roughSize(item, limit) + 1;
    if (size > limit) break;
  }
  return size;
}

function correctValueFor(type: GraphQLInputType, field: string, operation: string, ids: IdPool, wrongWeight: number, depth: number): fc.Arbitrary<Value> {
  if (isNonNullType(type)) return valueFor(type.ofType, field, operation, ids, wrongWeight, depth);
  const nullable = (arbitrary: fc.Arbitrary<Value>) => fc.oneof({ weight: 8, arbitrary }, { weight: 1, arbitrary: fc.constant(null) });
  if (isListType(type)) {
    const item = valueFor(type.ofType, field, operation, ids, wrongWeight, depth + 1);
    // A long list of one value: thousands of ids or labels in one call. Only of a small value, and not
    // inside another list: 2,000 × 2,000 long strings would fill the test's own memory, not the server's.
    const long = item.filter((value) => roughSize(value, LONG_LIST_ITEM) <= LONG_LIST_ITEM).map((value) => Array<Value>(2_000).fill(value));
    return nullable(depth > 0 ? fc.array(item, { maxLength: 4 }) : fc.oneof({ weight: 6, arbitrary: fc.array(item, { maxLength: 4 }) }, { weight: 1, arbitrary: long }));
  }
  if (isInputObjectType(type)) {
    if (depth > 4) return fc.constant(null);
    const fields = Object.values(type.getFields());
    const record: Record<string, fc.Arbitrary<Value>> = {};
    for (const f of fields) record[f.name] = valueFor(f.type, f.name, operation, ids, wrongWeight, depth + 1);
    const required = fields.filter((f) => isNonNullType(f.type)).map((f) => f.name);
    return nullable(
      fc
        .record(record, { requiredKeys: required as never[] })
        .map((value) => new Entries(Object.entries(value as Record<string, Value>))),
    );
  }
  if (isEnumType(type)) return nullable(fc.constantFrom(...type.getValues().map((v) => v.name)));
  const scalar: Record<string, fc.Arbitrary<Value>> = {
    String: stringFor(field),
    ID: idFor(field, operation, ids),
    Int: fc.oneof(fc.constantFrom(0, -1, 1, 2, 15, 100, 2 ** 31 - 1, -(2 ** 31)), fc.integer()),
    Float: hostileNumber.filter((n) => !(n instanceof Raw)),
    Boolean: fc.boolean(),
    DateTime: hostileDateTime,
    JSONObject: hostileJsonObject,
  };
  const arbitrary = scalar[type.name];
  if (!arbitrary) throw new Error(`no generator for scalar ${type.name}`);
  return nullable(arbitrary);
}

/** Writes variables as JSON text, raw chunks as they are (10,000 levels, `1e999`). */
export function variablesJson(variables: Record<string, Value>): string | undefined {
  const parts = (writeJson(new Entries(Object.entries(variables))) as (string | Buffer)[]).map((part) => part.toString());
  // Beyond the server's 8 MiB body limit (and JavaScript's string limit): a case not worth sending.
  if (parts.reduce((total, part) => total + part.length, 0) > MAX_VARIABLES_LENGTH) return undefined;
  return parts.join('');
}

/** The largest variables text a case sends (characters); larger generated values are skipped. */
const MAX_VARIABLES_LENGTH = 4 * 1024 * 1024;

const FOLLOWED = new Set(['data', 'edges', 'node', 'nodes', 'problems', 'pageInfo']);

/**
 * A lean selection of an output type: every argument-free leaf at the top of
 * `data`, then only `__typename` and `id` through edges and nodes, so the
 * answer is read by real resolvers and presenters within the query limits.
 */
export function selectionOf(schema: GraphQLSchema, type: GraphQLOutputType, depth = 0): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (isUnionType(named) || isInterfaceType(named)) {
    const members = schema.getPossibleTypes(named);
    return `{ __typename ${members.map((m) => `... on ${m.name} ${selectionOf(schema, m, depth)}`).join(' ')} }`;
  }
  if (!isObjectType(named)) return '';
  const parts = ['__typename'];
  for (const field of Object.values(named.getFields())) {
    if (field.args.some((arg) => isNonNullType(arg.type))) continue;
    const leaf = isLeafType(getNamedType(field.type));
    if (leaf && (depth <= 1 || field.name === 'id' || field.name === 'message')) parts.push(field.name);
    else if (!leaf && FOLLOWED.has(field.name) && depth < 4) parts.push(`${field.name} ${selectionOf(schema, field.type, depth + 1)}`);
  }
  return `{ ${parts.join(' ')} }`;
}
