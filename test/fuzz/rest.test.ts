/**
 * Generated bad input on every REST route (issue 16, item 3): the
 * Application, Client and Platform APIs, enumerated from the route table,
 * each driven by fast-check with hostile values in the fields it reads, in
 * JSON, form-encoded and raw-byte bodies, in the query and in the path —
 * mostly with the right credentials and the ids of real records, so the
 * handlers run deep.
 *
 * Properties of every answer: below 500; a 4xx is one of Chatwoot's error
 * bodies (spec/API.md §1.4); a 4xx wrote no row; a 2xx that echoes a `name`
 * or `content` it was sent echoes it unchanged; the server still answers
 * /health. `npm test` runs a fixed seed and a few cases per route; `npm run
 * fuzz` a random seed for FUZZ_SECONDS, printing the case counts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFingerprint } from '../support/bad-input.ts';
import { client } from '../support/http.ts';
import { PLATFORM_TOKEN, startServer, type TestServer } from '../support/server.ts';
import { FUZZ_SECONDS, fuzzParameters, fuzzTimeout } from './settings.ts';
import {
  BAD_ESCAPES,
  Entries,
  PROTO_KEYS,
  Raw,
  hostilePathSegment,
  hostileString,
  hostileValue,
  percentEncode,
  writeForm,
  writeJson,
  type Value,
} from './rest-hostile.ts';
import { allFields, fuzzRoutes, type FuzzRoute } from './rest-routes.ts';

/** Cases per route in `npm test` (115 routes × 5 ≈ 600 cases). */
const RUNS_PER_ROUTE = 5;

let server: TestServer;
/** The administrator's token; `POST /api/v1/profile/reset_access_token` replaces it. */
let adminToken: string;

/** Real records the path parameters name most of the time. */
interface World {
  accountId: number;
  agentId: number;
  inboxId: number;
  contactId: number;
  conversationId: number;
  messageId: number;
  webhookId: number;
  deliveryId: number;
  client: { inboxId: number; identifier: string; sourceId: string; conversationId: number; messageId: number };
  platform: { accountId: number; userId: number; botId: number };
}
let world: World;
let seeded = 0;

async function ok(reply: Promise<{ status: number; body: any; text: string }>) {
  const answer = await reply;
  expect(answer.status, answer.text).toBe(200);
  return answer.body;
}

/** Seeds (again, after a DELETE removed one) every record a path can name. */
async function seedWorld(): Promise<World> {
  const n = ++seeded;
  const api = client(server.url, adminToken);
  const platform = client(server.url, PLATFORM_TOKEN);
  const publicApi = client(server.url, null);
  const account = (p: string) => `/api/v1/accounts/${server.accountId}${p}`;
  const agent = await ok(api.post(account('/agents'), { name: 'Fuzz agent', email: `fuzz-agent-${n}@example.com` }));
  const inbox = await ok(api.post(account('/inboxes'), { name: `Fuzz ${n}`, channel: { type: 'api' } }));
  const sourceId = `fuzz-source-${n}`;
  const contact = await ok(api.post(account('/contacts'), { name: 'Fuzz contact', inbox_id: inbox.id, source_id: sourceId }));
  const conversation = await ok(api.post(account('/conversations'), { source_id: sourceId, inbox_id: inbox.id }));
  const message = await ok(api.post(account(`/conversations/${conversation.id}/messages`), { content: 'hello' }));
  const webhook = await ok(api.post(account('/webhooks'), { url: `https://hooks.example/fuzz-${n}` }));
  const clientInbox = await ok(api.post(account('/inboxes'), { name: `Fuzz client ${n}`, channel: { type: 'api' } }));
  const contactPath = `/public/api/v1/inboxes/${clientInbox.inbox_identifier}/contacts`;
  const session = await ok(publicApi.post(contactPath, { name: 'Fuzz customer' }));
  const clientConversation = await ok(publicApi.post(`${contactPath}/${session.source_id}/conversations`, {}));
  const clientMessage = await ok(
    publicApi.post(`${contactPath}/${session.source_id}/conversations/${clientConversation.id}/messages`, { content: 'hi' }),
  );
  const platformAccount = await ok(platform.post('/platform/api/v1/accounts', { name: `Fuzz platform ${n}` }));
  const platformUser = await ok(
    platform.post('/platform/api/v1/users', { name: 'Fuzz user', email: `fuzz-user-${n}@example.com`, password: 'Password1!' }),
  );
  const bot = await ok(platform.post('/platform/api/v1/agent_bots', { name: `Fuzz bot ${n}` }));
  const delivery = await server.app.database.prisma.webhookDelivery.findFirst({ select: { id: true } }).catch(() => null);
  return {
    accountId: server.accountId,
    agentId: agent.id,
    inboxId: inbox.id,
    contactId: contact.payload.contact.id,
    conversationId: conversation.id,
    messageId: message.id,
    webhookId: webhook.payload.webhook.id,
    deliveryId: Number(delivery?.id ?? 1),
    client: {
      inboxId: clientInbox.id,
      identifier: clientInbox.inbox_identifier,
      sourceId: session.source_id,
      conversationId: clientConversation.id,
      messageId: clientMessage.id,
    },
    platform: { accountId: platformAccount.id, userId: platformUser.id, botId: bot.id },
  };
}

beforeAll(async () => {
  server = await startServer();
  // Deliveries the fuzzed webhooks plan would fail in the background and mark messages failed: writes no
  // request made, which the "a refusal wrote nothing" check would blame on whichever request ran then.
  await server.app.webhooks.stop();
  adminToken = server.adminToken;
  world = await seedWorld();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

const seededIds = () => [
  world.agentId,
  world.inboxId,
  world.contactId,
  world.conversationId,
  world.messageId,
  world.webhookId,
  world.client.inboxId,
  world.client.conversationId,
  world.platform.accountId,
  world.platform.userId,
  world.platform.botId,
];

/** The real record a path parameter names, read from the segment before it. */
function validSegment(route: FuzzRoute, param: string): string {
  const client = route.scope === 'public' || route.scope === 'session';
  const before = route.path.split(`/:${param}`)[0]!.split('/').pop();
  switch (param) {
    case 'account_id':
      return String(route.scope === 'platform' ? world.platform.accountId : world.accountId);
    case 'inbox_id':
      return String(world.inboxId);
    case 'inbox_identifier':
      return world.client.identifier;
    case 'contact_identifier':
      return world.client.sourceId;
    case 'conversation_id':
      return String(client ? world.client.conversationId : world.conversationId);
    case 'message_id':
      return String(client ? world.client.messageId : world.messageId);
    case 'delivery_id':
      return String(world.deliveryId);
  }
  const byCollection: Record<string, number> = {
    agents: world.agentId,
    contacts: world.contactId,
    webhooks: world.webhookId,
    users: world.platform.userId,
    agent_bots: world.platform.botId,
  };
  // A new route's parameter still gets a real id of something.
  return String(byCollection[before ?? ''] ?? world.inboxId);
}

/** A small positive integer may name a real record (the administrator, account 1): not hostile, and it could delete them. */
const namesARecord = (segment: string) => /^\s*\+?0*\d{1,9}\s*$/.test(decodeURIComponentSafe(segment));
function decodeURIComponentSafe(text: string) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

type Credentials = 'right' | 'none' | 'bogus' | 'other';
type Body =
  | { kind: 'none' }
  | { kind: 'json'; value: Value }
  | { kind: 'form'; pairs: [string, Value][] }
  | { kind: 'text'; contentType: string; data: string };

interface RestCase {
  /** `valid` or a hostile segment, per path parameter. */
  segments: (string | null)[];
  credentials: Credentials;
  query: string[];
  body: Body;
}

function caseArbitrary(route: FuzzRoute): fc.Arbitrary<RestCase> {
  const ids = seededIds();
  const value = hostileValue(ids);
  const key = fc.oneof(
    { weight: 6, arbitrary: route.fields.length ? fc.constantFrom(...route.fields) : fc.constantFrom(...allFields) },
    { weight: 2, arbitrary: fc.constantFrom(...allFields) },
    { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
  );
  const pairs = fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 6 });
  // The fields at the top level, inside Rails' wrapper key, or both.
  const object: fc.Arbitrary<Value> = fc
    .tuple(pairs, fc.constantFrom('top', 'wrapped', 'both'))
    .map(([fields, placement]) => {
      if (!route.wrap || placement === 'top') return new Entries(fields);
      const wrapped: [string, Value] = [route.wrap, new Entries(fields)];
      return new Entries(placement === 'wrapped' ? [wrapped] : [...fields, wrapped]);
    });
  const body: fc.Arbitrary<Body> = fc.oneof(
    { weight: 8, arbitrary: object.map((v): Body => ({ kind: 'json', value: v })) },
    { weight: 2, arbitrary: value.map((v): Body => ({ kind: 'json', value: v })) },
    { weight: 3, arbitrary: pairs.map((p): Body => ({ kind: 'form', pairs: p })) },
    { weight: 1, arbitrary: fc.constant<Body>({ kind: 'none' }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('text/plain', 'application/json', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data'), hostileString)
        .map(([contentType, data]): Body => ({ kind: 'text', contentType, data })),
    },
  );
  const queryPair = fc.oneof(
    fc.tuple(key, value).map(([k, v]) => writeForm(percentEncode(k), v).join('&')),
    fc.tuple(key, fc.constantFrom(...BAD_ESCAPES)).map(([k, escape]) => `${percentEncode(k)}=${escape}`),
    fc.constantFrom(`${'a['.repeat(50)}=1`, 'q=%FF', '%FF=1', '__proto__[x]=1', 'page=-1', 'page=99999999999999999999', 'page[]=1'),
  );
  const segment = fc.oneof(
    { weight: 9, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: hostilePathSegment.filter((s) => !namesARecord(s)) },
  );
  return fc.record({
    segments: fc.tuple(...route.pathParams.map(() => segment)).map((s) => s as (string | null)[]),
    credentials: fc.constantFrom<Credentials>('right', 'right', 'right', 'right', 'right', 'right', 'right', 'none', 'bogus', 'other'),
    query: fc.array(queryPair, { maxLength: route.method === 'GET' ? 3 : 1 }),
    body: route.method === 'GET' ? fc.constant<Body>({ kind: 'none' }) : body,
  });
}

function tokenFor(route: FuzzRoute, credentials: Credentials): string | undefined {
  const right = route.scope === 'platform' ? PLATFORM_TOKEN : adminToken;
  const other = route.scope === 'platform' ? adminToken : PLATFORM_TOKEN;
  if (route.scope === 'public' || route.scope === 'session') return credentials === 'right' || credentials === 'none' ? undefined : other;
  return { right, none: undefined, bogus: 'bogus-token', other }[credentials];
}

function encodeBody(body: Body): { contentType?: string; data?: Buffer } {
  switch (body.kind) {
    case 'none':
      return {};
    case 'json':
      return { contentType: 'application/json', data: Buffer.concat(writeJson(body.value).map((c) => (typeof c === 'string' ? Buffer.from(c) : c))) };
    case 'form':
      return { contentType: 'application/x-www-form-urlencoded', data: Buffer.from(body.pairs.flatMap(([k, v]) => writeForm(percentEncode(k), v)).join('&')) };
    case 'text':
      return { contentType: body.contentType, data: Buffer.from(body.data) };
  }
}

/** A string field as the route will read it from a JSON body, when it is a plain string (for the echo check). */
function sentString(route: FuzzRoute, restCase: RestCase, field: string): string | undefined {
  if (restCase.body.kind !== 'json' || !(restCase.body.value instanceof Entries)) return undefined;
  if (restCase.query.some((pair) => pair.startsWith(`${field}=`) || pair.startsWith(`${field}[`))) return undefined;
  const last = (entries: Entries, key: string) => entries.pairs.filter(([k]) => k === key).pop()?.[1];
  const top = last(restCase.body.value, field);
  const wrapper = route.wrap ? last(restCase.body.value, route.wrap) : undefined;
  const wrapped = wrapper instanceof Entries ? last(wrapper, field) : undefined;
  const effective = wrapper instanceof Entries && wrapped !== undefined ? wrapped : top;
  return typeof effective === 'string' ? effective : undefined;
}

/** Every string value under `field` anywhere in a reply. */
function echoed(body: unknown, field: string): string[] {
  // The record a route answers with: the body, its `payload`, or a record inside the payload
  // (`payload.contact`). Records nested in it (a message's `sender`) are other records, changed elsewhere.
  const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isRecord(body)) return [];
  const records = [body, ...(isRecord(body.payload) ? [body.payload, ...Object.values(body.payload).filter(isRecord)] : [])];
  return records.map((record) => record[field]).filter((value): value is string => typeof value === 'string');
}

/** Routes whose documented miss is a 404 with no body (spec/API.md §3.4: `POST /contact_inboxes/filter`). */
const EMPTY_404 = [/\/contact_inboxes\/filter$/];

/** The documented 4xx bodies (spec/API.md §1.4). */
function isErrorBody(route: FuzzRoute, status: number, body: unknown): boolean {
  if (body === undefined && status === 404 && EMPTY_404.some((path) => path.test(route.path))) return true;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
  const b = body as Record<string, unknown>;
  const keys = Object.keys(b).sort().join(',');
  if (keys === 'error') return typeof b.error === 'string';
  if (keys === 'errors') return Array.isArray(b.errors) && b.errors.every((e) => typeof e === 'string');
  if (keys === 'attributes,message') return typeof b.message === 'string' && Array.isArray(b.attributes) && b.attributes.every((a) => typeof a === 'string');
  if (keys === 'error,status') return status === 404 && b.status === 404 && b.error === 'Not Found';
  return false;
}

let totalCases = 0;
const counts: string[] = [];

/** Sends one case and checks every property; returns normally or throws with the evidence. */
async function runCase(route: FuzzRoute, restCase: RestCase): Promise<void> {
  let path = route.path;
  route.pathParams.forEach((param, i) => {
    path = path.replace(`:${param}`, restCase.segments[i] ?? encodeURIComponent(validSegment(route, param)));
  });
  if (restCase.query.length) path += `?${restCase.query.join('&')}`;
  const { contentType, data } = encodeBody(restCase.body);
  const headers: Record<string, string> = {};
  const token = tokenFor(route, restCase.credentials);
  if (token) headers.api_access_token = token;
  if (contentType) headers['content-type'] = contentType;

  const before = await writeFingerprint(server);
  const response = await fetch(new URL(path, server.url), { method: route.method, headers, body: data && new Uint8Array(data) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: the shape check below reports it */
  }
  const sent = data ? ` ${contentType} ${data.subarray(0, 300).toString('latin1')}` : '';
  const evidence = `${route.method} ${path.slice(0, 300)}${sent} → ${response.status} ${text.slice(0, 300)}`;
  expect(response.status, evidence).toBeLessThan(500);
  if (response.status >= 400) {
    expect(isErrorBody(route, response.status, body), `not a documented error body: ${evidence}`).toBe(true);
    const after = await writeFingerprint(server);
    const wrote = Object.keys(after).filter((table) => after[table] !== before[table]);
    expect(wrote, `a refused request wrote (${wrote.map((t) => `${t}: ${before[t]} → ${after[t]}`).join(', ')}): ${evidence}`).toEqual([]);
  } else if (route.method !== 'GET' && route.method !== 'DELETE') {
    for (const field of ['name', 'content']) {
      const sent = sentString(route, restCase, field);
      if (sent === undefined || !route.fields.includes(field)) continue;
      const seen = echoed(body, field);
      // A blank value is no value (a contact without a name gets a generated one, as in Chatwoot); text may come back trimmed.
      if (seen.length && sent.trim() !== '')
        expect(seen.some((value) => value === sent || value === sent.trim()), `echoed ${field} ${JSON.stringify(seen).slice(0, 200)} differs from ${JSON.stringify(sent).slice(0, 200)}: ${evidence}`).toBe(true);
    }
  }
  const health = await fetch(new URL('/health', server.url));
  expect(health.status, `unhealthy after ${evidence}`).toBe(200);

  if (response.status < 300) {
    if (route.path.endsWith('/reset_access_token') && typeof (body as any)?.access_token === 'string') adminToken = (body as any).access_token;
    // A record the path named may be gone: name fresh ones from now on.
    if (route.method === 'DELETE') world = await seedWorld();
  }
}

const SURFACES: [string, (route: FuzzRoute) => boolean, number][] = [
  ['Application API', (route) => route.scope === 'account' || route.scope === 'user', 0.6],
  ['Platform API', (route) => route.scope === 'platform', 0.15],
  ['Client API', (route) => route.scope === 'public' || route.scope === 'session', 0.25],
];

describe.each(SURFACES)('%s under generated bad input', (surface, belongs, share) => {
  const routes = fuzzRoutes.filter(belongs);
  it('has routes', () => expect(routes.length).toBeGreaterThan(0));
  afterAll(() => {
    if (FUZZ_SECONDS !== undefined) console.log(`[fuzz] rest ${surface}: ${counts.filter((c) => c.startsWith(surface)).join('; ')}`);
  });
  // Each route its share of the surface's time, so every route is fuzzed.
  const routeShare = share / routes.length;
  it.each(routes.map((route) => [route.title, route] as const))('%s', async (_title, route) => {
    let cases = 0;
    let running: Promise<void> | undefined;
    const result = await fc.check(
      fc.asyncProperty(caseArbitrary(route), async (restCase) => {
        cases++;
        running = runCase(route, restCase);
        await running;
      }),
      fuzzParameters(RUNS_PER_ROUTE, routeShare),
    );
    // fast-check's time limit returns without waiting for the case under way: finish it (and report it)
    // before the next route's cases, whose fingerprints it would otherwise disturb.
    await running;
    totalCases += cases;
    counts.push(`${surface} ${route.title}: ${cases}`);
    if (FUZZ_SECONDS !== undefined) console.log(`[fuzz] rest ${route.title}: ${cases} cases`);
    // The failing request (cut short: a counterexample may hold 150,000 characters) and how to replay it.
    if (result.failed)
      throw new Error(
        `${String((result.errorInstance as Error | undefined)?.message ?? result.errorInstance).slice(0, 2000)}\n` +
          `after ${result.numRuns} case(s); replay with FUZZ_SEED=${result.seed} FUZZ_PATH=${result.counterexamplePath}`,
      );
  }, fuzzTimeout(60_000, routeShare));
});

afterAll(() => {
  console.log(`[fuzz] rest: ${totalCases} cases over ${fuzzRoutes.length} routes`);
});
