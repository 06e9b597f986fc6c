/**
 * Operations (issue 8 item 6): `/health` and `/ready` probes, Prometheus
 * metrics on `/metrics`, request ids in responses and in the JSON logs, and
 * the graceful drain on SIGTERM, each against a real server: in process where
 * the test reads the app, as `src/main.ts` in a child process where it needs
 * real stdout logs or a signal.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { connectGraphqlWs } from '../support/graphql-ws.ts';
import { rawCable } from '../support/cable.ts';
import { migratedDataDir } from '../support/pglite-template.ts';
import { createScratchDatabase, POSTGRES_ADMIN_URL, type ScratchDatabase } from '../support/scratch-database.ts';
import { accountPath, adminApi, seedConversation } from '../support/seed.ts';
import { ADMIN_TOKEN, startServer, type TestServer } from '../support/server.ts';
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.ts';
import { deliveryAfter, postMessage, TestClock, waitFor } from '../support/webhook-deliveries.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CONTACT_CREATED = parse('subscription ($scope: EventScope!) { contactCreated(scope: $scope) { id name } }');
const accountScope = (accountId: number) => ({ scope: { accountId: Buffer.from(`Account:${accountId}`).toString('base64') } });

/** One sample per `name{label="value",…}` (labels sorted); throws on a line that is not Prometheus text format. */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* /.test(line)) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not Prometheus text format: ${line}`);
    const labels = [...(sample[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => `${k}="${v}"`).sort();
    const value = sample[3] === '+Inf' ? Infinity : sample[3] === '-Inf' ? -Infinity : Number(sample[3]);
    if (Number.isNaN(value) && sample[3]!.toLowerCase() !== 'nan') throw new Error(`not a sample value: ${line}`);
    samples.set(`${sample[1]}{${labels.join(',')}}`, value);
  }
  return samples;
}

async function scrape(url: string): Promise<Map<string, number>> {
  const reply = await fetch(`${url}/metrics`);
  expect(reply.status).toBe(200);
  expect(reply.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(await reply.text());
}

/** A sample's value (undefined when absent). */
function sample(metrics: Map<string, number>, name: string, labels: Record<string, string> = {}): number | undefined {
  const key = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  return metrics.get(`${name}{${key}}`);
}

async function getJson(url: string, headers: Record<string, string> = {}) {
  const reply = await fetch(url, { headers });
  return { status: reply.status, headers: reply.headers, body: await reply.json() };
}

/** An SSE subscription over plain fetch (Yoga's GraphQL over SSE at /graphql); `ended` says how the stream ended. */
async function openEventStream(server: TestServer) {
  const reply = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({
      query: 'subscription ($scope: EventScope!) { contactCreated(scope: $scope) { id } }',
      variables: accountScope(server.accountId),
    }),
  });
  expect(reply.status).toBe(200);
  expect(reply.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = reply.body!.getReader();
  const ended = (async () => {
    try {
      while (!(await reader.read()).done);
      return 'ended';
    } catch (error) {
      return `failed: ${(error as Error).message}`;
    }
  })();
  return { ended, cancel: () => reader.cancel().catch(() => undefined) };
}

describe('SHUTDOWN_TIMEOUT', () => {
  it('defaults to 10 seconds and must be positive', () => {
    expect(loadConfig({}).shutdownTimeoutSeconds).toBe(10);
    expect(loadConfig({ SHUTDOWN_TIMEOUT: '2.5' }).shutdownTimeoutSeconds).toBe(2.5);
    expect(() => loadConfig({ SHUTDOWN_TIMEOUT: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ SHUTDOWN_TIMEOUT: 'soon' })).toThrow(/SHUTDOWN_TIMEOUT/);
  });
});

describe('one server, in process', () => {
  const clock = new TestClock();
  const sinks: WebhookSink[] = [];
  let server: TestServer;
  let stopped = false;

  beforeAll(async () => {
    server = await startServer({ WEBHOOK_TIMEOUT: '1', SHUTDOWN_TIMEOUT: '1' }, undefined, { clock: clock.now });
  });
  afterAll(async () => {
    if (!stopped) await server?.stop();
    await Promise.all(sinks.map((sink) => sink.close()));
  });

  async function sink(): Promise<WebhookSink> {
    const started = await startWebhookSink();
    sinks.push(started);
    return started;
  }

  describe('probes', () => {
    it('answers /health (liveness) and /ready with the state of the database and of Redis', async () => {
      expect(await getJson(`${server.url}/health`)).toMatchObject({ status: 200, body: { status: 'ok' } });
      const ready = await getJson(`${server.url}/ready`);
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: 'ready', database: 'ok', redis: 'not configured' });
      expect(ready.headers.get('cache-control')).toBe('no-store');
    });
  });

  describe('/metrics', () => {
    // First: the backlog gauge is counted at most every 5 s, and no scrape came before this one.
    it('counts the webhook deliveries due and not delivered', async () => {
      const receiver = await sink();
      await server.app.webhooks.stop();
      const { conversation } = await seedConversation(server, `${receiver.url}/backlog`);
      await postMessage(server, conversation.id, 'waiting for the worker');
      const backlog = await waitFor(async () => sample(await scrape(server.url), 'snypto_webhook_backlog'), 'a backlog');
      expect(backlog).toBeGreaterThanOrEqual(1);

      server.app.webhooks.start();
      await receiver.next((hook) => hook.path === '/backlog');
      await waitFor(async () => sample(await scrape(server.url), 'snypto_webhook_backlog') === 0, 'an empty backlog', 15_000);
    });

    it('is Prometheus text with the process metrics, and counts requests by route pattern, never by raw URL', async () => {
      const conversationPath = accountPath(server, '/conversations/987654');
      const before = await scrape(server.url);
      expect(sample(before, 'snypto_process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(sample(before, 'snypto_nodejs_eventloop_lag_seconds')).toBeDefined();
      const labels = { method: 'GET', route: '/api/v1/accounts/:account_id/conversations/:conversation_id', status: '404' };
      const countBefore = sample(before, 'snypto_http_requests_total', labels) ?? 0;

      for (let i = 0; i < 2; i++) expect((await adminApi(server).get(conversationPath)).status).toBe(404);
      expect((await fetch(`${server.url}/no/such/${randomUUID()}`)).status).toBe(404);
      const after = await scrape(server.url);

      expect(sample(after, 'snypto_http_requests_total', labels)).toBe(countBefore + 2);
      expect(sample(after, 'snypto_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
      const durations = { method: 'GET', route: labels.route };
      expect(sample(after, 'snypto_http_request_duration_seconds_count', durations)).toBe(
        (sample(before, 'snypto_http_request_duration_seconds_count', durations) ?? 0) + 2,
      );
      expect(sample(after, 'snypto_http_request_duration_seconds_bucket', { ...durations, le: '+Inf' })).toBe(
        sample(after, 'snypto_http_request_duration_seconds_count', durations),
      );
      const routes = [...after.keys()].filter((key) => key.includes('route="')).map((key) => /route="([^"]*)"/.exec(key)![1]);
      expect(routes.some((route) => route!.includes('987654') || route!.includes('/no/such'))).toBe(false);
    });

    it('counts webhook attempts by outcome and failures by reason', async () => {
      const receiver = await sink();
      receiver.respondWith(() => 500);
      const before = await scrape(server.url);
      const count = (metrics: Map<string, number>, name: string, labels: Record<string, string>) => sample(metrics, name, labels) ?? 0;

      const { conversation } = await seedConversation(server, `${receiver.url}/failing`);
      const messageId = await postMessage(server, conversation.id, 'fail first');
      await deliveryAfter(server, messageId, 1);
      receiver.respondWith(() => 200);
      clock.advance(5_000);
      server.app.webhooks.wake();
      await deliveryAfter(server, messageId, 2);

      const closed = await seedConversation(server, 'http://127.0.0.1:1/closed-port');
      const unanswered = await postMessage(server, closed.conversation.id, 'nobody listens');
      await deliveryAfter(server, unanswered, 1, { url: 'http://127.0.0.1:1/closed-port' });

      const after = await scrape(server.url);
      const delta = (name: string, labels: Record<string, string>) => count(after, name, labels) - count(before, name, labels);
      const deliveries = 'snypto_webhook_deliveries_total';
      const failures = 'snypto_webhook_delivery_failures_total';
      // The inboxes' other events (conversation_created…) are delivered too, so at least these:
      expect(delta(deliveries, { outcome: 'pending' })).toBeGreaterThanOrEqual(2);
      expect(delta(deliveries, { outcome: 'succeeded' })).toBeGreaterThanOrEqual(1);
      expect(delta(failures, { reason: 'http_5xx' })).toBeGreaterThanOrEqual(1);
      expect(delta(failures, { reason: 'connection' })).toBeGreaterThanOrEqual(1);
      // Every attempt that did not succeed is one failure with one reason.
      const reasons = [...after.keys()].filter((key) => key.startsWith(`${failures}{`)).map((key) => /reason="([^"]*)"/.exec(key)![1]!);
      const failed = ['pending', 'failed', 'disabled'].reduce((sum, outcome) => sum + delta(deliveries, { outcome }), 0);
      expect(reasons.reduce((sum, reason) => sum + delta(failures, { reason }), 0)).toBe(failed);
    });

    it('gauges the open sockets of each transport and the graphql-ws subscriptions', async () => {
      const ws = connectGraphqlWs(server.wsUrl, { api_access_token: ADMIN_TOKEN });
      await ws.connected;
      const subscription = ws.subscribe(CONTACT_CREATED as never, accountScope(server.accountId));
      const stream = await openEventStream(server);
      const cable = await rawCable(server.wsUrl);

      const open = await waitFor(async () => {
        const metrics = await scrape(server.url);
        return sample(metrics, 'snypto_subscriptions', { transport: 'graphql-ws' }) === 1 ? metrics : null;
      }, 'the graphql-ws subscription');
      expect(sample(open, 'snypto_open_sockets', { transport: 'graphql-ws' })).toBe(1);
      expect(sample(open, 'snypto_open_sockets', { transport: 'sse' })).toBe(1);
      expect(sample(open, 'snypto_open_sockets', { transport: 'cable' })).toBe(1);

      subscription.unsubscribe();
      await ws.dispose();
      await stream.cancel();
      cable.close();
      await waitFor(async () => {
        const metrics = await scrape(server.url);
        return (['graphql-ws', 'sse', 'cable'] as const).every((transport) => sample(metrics, 'snypto_open_sockets', { transport }) === 0)
          && sample(metrics, 'snypto_subscriptions', { transport: 'graphql-ws' }) === 0;
      }, 'every socket to close');
    });
  });

  describe('request ids', () => {
    it('echoes a sane x-request-id on every response, errors included', async () => {
      const id = 'trace-01.AB_cd';
      for (const [method, route, body, status] of [
        ['GET', '/health', undefined, 200],
        ['GET', '/nowhere', undefined, 404],
        ['GET', accountPath(server, '/conversations'), undefined, 401],
        ['POST', accountPath(server, '/contacts'), '{"name":', 400],
      ] as const) {
        const reply = await fetch(`${server.url}${route}`, {
          method,
          headers: { 'x-request-id': id, 'content-type': 'application/json', ...(status === 400 ? { api_access_token: ADMIN_TOKEN } : {}) },
          body,
        });
        expect([route, reply.status]).toEqual([route, status]);
        expect(reply.headers.get('x-request-id')).toBe(id);
      }
    });

    it('replaces a missing, too long or strange x-request-id with a fresh UUID', async () => {
      const longest = 'a'.repeat(128);
      expect((await fetch(`${server.url}/health`, { headers: { 'x-request-id': longest } })).headers.get('x-request-id')).toBe(longest);
      const given = [undefined, 'a'.repeat(129), 'has space', 'new\u00e9line', '"quoted"', ''];
      const answered = await Promise.all(
        given.map(async (id) => (await fetch(`${server.url}/health`, { headers: id === undefined ? {} : { 'x-request-id': id } })).headers.get('x-request-id')),
      );
      for (const id of answered) expect(id).toMatch(UUID);
      expect(new Set(answered).size).toBe(given.length);
    });
  });

  // Last: it stops the server.
  describe('stop', () => {
    it('ends event streams, closes graphql-ws with 1001, tells /cable to reconnect, and cuts a request still under way at SHUTDOWN_TIMEOUT', async () => {
      const ws = connectGraphqlWs(server.wsUrl, { api_access_token: ADMIN_TOKEN });
      await ws.connected;
      ws.subscribe(CONTACT_CREATED as never, accountScope(server.accountId));
      const stream = await openEventStream(server);
      const cable = await rawCable(server.wsUrl);
      await cable.frames.next((frame) => frame.type === 'welcome');
      // The server must have read the head: a connection without a request under way counts as idle and closes at once.
      const headRead = new Promise<void>((resolve) => {
        const onRequest = (request: { method?: string; url?: string }) => {
          if (request.method !== 'POST' || request.url !== '/graphql') return;
          server.app.http.server.off('request', onRequest);
          resolve();
        };
        server.app.http.server.on('request', onRequest);
      });
      // A body that never comes (SHUTDOWN_TIMEOUT is 1 s here).
      const stuck = rawRequest(Number(new URL(server.url).port), 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
      await headRead;

      const started = performance.now();
      stopped = true;
      await server.stop();
      const stopMs = performance.now() - started;
      expect(stopMs).toBeGreaterThan(900);
      expect(stopMs).toBeLessThan(3000);
      expect(await stuck.closed).toBe('');
      expect(await stream.ended).toBe('ended');
      expect(await ws.closed).toBe(1001);
      expect(await cable.frames.next((frame) => frame.type === 'disconnect')).toEqual({
        type: 'disconnect',
        reason: 'server_restart',
        reconnect: true,
      });
      await cable.closedWith;
      const refused = await fetch(`${server.url}/health`).then(
        () => null,
        (error: { cause?: { code?: string } }) => error.cause?.code,
      );
      expect(refused).toBe('ECONNREFUSED');
    });
  });
});

describe('Redis configured but unreachable', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ REDIS_URL: 'redis://127.0.0.1:1' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('still starts and serves, and /ready says Redis is unreachable', async () => {
    expect((await getJson(`${server.url}/health`)).status).toBe(200);
    expect((await adminApi(server).get(accountPath(server, '/conversations'))).status).toBe(200);
    const ready = await getJson(`${server.url}/ready`);
    expect(ready).toMatchObject({ status: 503, body: { status: 'unavailable', database: 'ok', redis: 'unreachable' } });
  });
});

describe('Redis that accepts connections and never answers', () => {
  let silent: net.Server;
  const sockets = new Set<net.Socket>();
  let server: TestServer;
  beforeAll(async () => {
    silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    server = await startServer({ REDIS_URL: `redis://127.0.0.1:${(silent.address() as net.AddressInfo).port}` });
  });
  afterAll(async () => {
    // The silent Redis goes first: the server's Redis clients, refused, quit at once instead of waiting out their close time.
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    await server?.stop();
  });

  it('answers /ready within its check timeout instead of hanging', async () => {
    const started = performance.now();
    const ready = await getJson(`${server.url}/ready`);
    expect(performance.now() - started).toBeLessThan(3500);
    expect(ready).toMatchObject({ status: 503, body: { status: 'unavailable', database: 'ok', redis: 'unreachable' } });
  });
});

describe('PostgreSQL gone', () => {
  let database: ScratchDatabase;
  let server: TestServer;
  beforeAll(async () => {
    database = await createScratchDatabase(POSTGRES_ADMIN_URL, 'snypto_ops');
    server = await startServer({ DATABASE_URL: database.url });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it('keeps /health, and /ready and the backlog gauge say the database does not answer', async () => {
    expect((await getJson(`${server.url}/ready`)).status).toBe(200);
    await database.drop();
    expect((await getJson(`${server.url}/health`)).status).toBe(200);
    const ready = await getJson(`${server.url}/ready`);
    expect(ready).toMatchObject({ status: 503, body: { status: 'unavailable', database: 'unreachable', redis: 'not configured' } });
    expect(sample(await scrape(server.url), 'snypto_webhook_backlog')).toBeNaN();
  });
});

describe('events through Redis', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ REDIS_URL: 'redis://127.0.0.1:6379', SNYPTO_REDIS_NAMESPACE: `snypto-test-${process.pid}-${Date.now()}` });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('reports Redis ready and measures the fan-out time of each event', async () => {
    expect((await getJson(`${server.url}/ready`)).body).toEqual({ status: 'ready', database: 'ok', redis: 'ok' });
    // An account id no other test server uses: Redis channels are shared by every process on this Redis.
    const db = server.app.database.prisma;
    const account = await db.account.create({ data: { id: 1_500_000_000 + Math.floor(Math.random() * 600_000_000), name: 'Fan-out' } });
    const token = `fanout-token-${randomUUID()}`;
    await db.user.create({
      data: {
        name: 'Fan-out admin',
        email: `fanout-${randomUUID()}@ops.test`,
        pubsubToken: randomUUID(),
        accessToken: { create: { token } },
        accountUsers: { create: { accountId: account.id, role: 'administrator' } },
      },
    });
    const ws = connectGraphqlWs(server.wsUrl, { api_access_token: token });
    await ws.connected;
    const subscription = ws.subscribe<{ contactCreated: { name: string } }, Record<string, unknown>>(CONTACT_CREATED as never, accountScope(account.id));
    try {
      const created = waitFor(async () => {
        const reply = await fetch(`${server.url}/api/v1/accounts/${account.id}/contacts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', api_access_token: token },
          body: JSON.stringify({ name: `Probe ${randomUUID()}` }),
        });
        expect(reply.status).toBe(200);
        return subscription.next(300).then(
          (result) => result.data?.contactCreated,
          () => null,
        );
      }, 'an event through Redis');
      expect((await created).name).toMatch(/^Probe /);
      const metrics = await scrape(server.url);
      expect(sample(metrics, 'snypto_event_fanout_seconds_count')).toBeGreaterThanOrEqual(1);
      expect(sample(metrics, 'snypto_event_fanout_seconds_sum')).toBeLessThan(5);
    } finally {
      await ws.dispose();
    }
    // Stopping while the server still unsubscribes from Redis would reject that unsubscribe, and the Redis event target does not catch it.
    await waitFor(async () => sample(await scrape(server.url), 'snypto_subscriptions', { transport: 'graphql-ws' }) === 0, 'the unsubscribe');
  });
});

describe('src/main.ts in its own process', () => {
  let dataDir: string;
  let child: ChildProcessByStdio<null, Readable, null> | undefined;
  beforeAll(async () => {
    dataDir = await migratedDataDir('snypto-ops-');
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('logs JSON lines with the request id, and on SIGTERM drains: /ready says draining, the request under way finishes, exit 0 within SHUTDOWN_TIMEOUT', { timeout: 90_000 }, async () => {
    const { DATABASE_URL: _database, REDIS_URL: _redis, ...inherited } = process.env;
    const started = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...inherited, PORT: '0', HOST: '127.0.0.1', SNYPTO_DATA_DIR: dataDir, SNYPTO_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT: '5' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child = started;
    const exited = new Promise<number | null>((resolve) => started.on('exit', resolve));
    const logs: Record<string, any>[] = [];
    let pending = '';
    started.stdout.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop()!;
      // main.ts also prints a plain banner; every line starting with `{` is a log line and must be JSON.
      for (const line of lines) if (line.startsWith('{')) logs.push(JSON.parse(line));
    });
    const logLine = (predicate: (line: Record<string, any>) => boolean, what: string, timeoutMs = 10_000) =>
      waitFor(async () => logs.find(predicate), what, timeoutMs);

    const listening = await logLine((line) => /^Server listening at http:\/\/127\.0\.0\.1:\d+$/.test(line.msg), 'the server to listen', 60_000);
    const port = Number(/:(\d+)$/.exec(listening.msg)![1]);
    const base = `http://127.0.0.1:${port}`;

    expect((await fetch(`${base}/health`, { headers: { 'x-request-id': 'log-probe-1' } })).status).toBe(200);
    const completed = await logLine((line) => line.reqId === 'log-probe-1' && line.msg === 'request completed', 'the request log');
    expect(completed).toMatchObject({ level: 30, reqId: 'log-probe-1', res: { statusCode: 200 } });
    expect(typeof completed.time).toBe('number');
    expect(logs.filter((line) => line.reqId === 'log-probe-1').map((line) => line.msg)).toEqual(['incoming request', 'request completed']);

    // A request under way: its body comes only after SIGTERM.
    const body = JSON.stringify({ query: '{ __typename }' });
    const slow = rawRequest(port, `POST /graphql HTTP/1.1\r\nHost: x\r\nX-Request-Id: slow\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 4)}`);
    await logLine((line) => line.reqId === 'slow' && line.msg === 'incoming request', 'the slow request');

    const signalled = performance.now();
    started.kill('SIGTERM');
    await logLine((line) => line.msg === 'draining', 'the drain to begin');
    // No new connections.
    await waitFor(() => fetch(`${base}/health`).then(() => false, (error: { cause?: { code?: string } }) => error.cause?.code === 'ECONNREFUSED'), 'the listener to close');
    // The slow request finishes; /ready, pipelined behind it on the same connection, says draining.
    slow.socket.write(`${body.slice(4)}GET /ready HTTP/1.1\r\nHost: x\r\n\r\n`);
    const answers = await slow.closed;
    expect(answers).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n\{"data":\{"__typename":"Query"\}\}HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(answers).toMatch(/\r\nx-request-id: slow\r\n/i);
    expect(answers.endsWith('{"status":"draining"}')).toBe(true);

    // Nothing else is under way: the process exits 0 well before SHUTDOWN_TIMEOUT (5 s) runs out.
    expect(await exited).toBe(0);
    expect(performance.now() - signalled).toBeLessThan(5000);
    expect(logs.find((line) => line.msg === 'stopped')).toMatchObject({ level: 30, drained: true });
    expect(logs.some((line) => line.msg === 'shutdown timeout: destroying the connections still open')).toBe(false);
  });
});

/** A raw HTTP/1.1 connection with `head` sent; `closed` resolves with everything received once the server closes it. */
function rawRequest(port: number, head: string) {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  socket.write(head);
  return { socket, closed };
}
