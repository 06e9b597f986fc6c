/**
 * The crash test (issue 6 item 3): a real server process is killed with
 * SIGKILL while its receiver holds every delivery unanswered, then started
 * again on the same data directory. Every event still arrives, and a
 * redelivery carries the delivery id of the attempt the crash cut short.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDataDir } from '../support/pglite-template.ts';
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.ts';
import { waitFor } from '../support/wait.ts';

const root = path.resolve(import.meta.dirname, '../..');
const ADMIN_TOKEN = 'crash-test-admin-token-0123456789';
const MESSAGES = 20;

let sink: WebhookSink;
let dataDir: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  sink = await startWebhookSink();
  dataDir = await migratedDataDir('snypto-crash-');
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await sink?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** `src/main.ts` as its own process on the test's data directory; resolves with its base URL once /health answers. */
async function spawnServer(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const { DATABASE_URL: _ignored, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      SNYPTO_DATA_DIR: dataDir,
      SNYPTO_ADMIN_TOKEN: ADMIN_TOKEN,
      SNYPTO_WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_TIMEOUT: '2',
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    return fetch(`${url}/health`).then((reply) => reply.ok, () => false);
  }, 'the server to start', 60_000);
  return { url, child };
}

async function rest(url: string, method: string, route: string, body?: unknown): Promise<any> {
  const reply = await fetch(`${url}${route}`, {
    method,
    headers: { 'content-type': 'application/json', api_access_token: ADMIN_TOKEN },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!reply.ok) throw new Error(`${method} ${route}: ${reply.status} ${await reply.text()}`);
  return reply.json();
}

describe('a server killed mid-delivery', () => {
  it('delivers every event after a restart, redeliveries with the same delivery id', { timeout: 120_000 }, async () => {
    let release!: () => void;
    const held = new Promise<number>((resolve) => (release = () => resolve(200)));
    sink.respondWith(() => held);

    const first = await spawnServer();
    const { account_id: accountId } = await rest(first.url, 'GET', '/api/v1/profile');
    const base = `/api/v1/accounts/${accountId}`;
    const inbox = await rest(first.url, 'POST', `${base}/inboxes`, {
      name: 'Crash',
      channel: { type: 'api', webhook_url: `${sink.url}/crash` },
    });
    await rest(first.url, 'POST', `${base}/contacts`, { name: 'Jane', inbox_id: inbox.id, source_id: 'crash-contact' });
    const conversation = await rest(first.url, 'POST', `${base}/conversations`, { source_id: 'crash-contact' });
    const ids: number[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const message = await rest(first.url, 'POST', `${base}/conversations/${conversation.id}/messages`, {
        content: `message ${i}`,
        message_type: 'incoming',
      });
      ids.push(message.id);
    }
    const messageHooks = () => sink.received.filter((hook) => hook.body.event === 'message_created');
    await waitFor(async () => messageHooks().length >= 5, 'deliveries to be in flight');

    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const cutShort = new Map(messageHooks().map((hook) => [hook.body.id as number, hook.headers['webhook-id']]));
    const receivedBeforeCrash = sink.received.length;
    sink.respondWith(() => 200);
    release();

    const second = await spawnServer();
    try {
      const afterRestart = () => sink.received.slice(receivedBeforeCrash).filter((hook) => hook.body.event === 'message_created');
      await waitFor(
        async () => ids.every((id) => afterRestart().some((hook) => hook.body.id === id)),
        'every message to be delivered after the restart',
        60_000,
      );
      expect(cutShort.size).toBeGreaterThan(0);
      for (const [id, deliveryId] of cutShort) {
        const redelivered = afterRestart().filter((hook) => hook.body.id === id);
        expect(redelivered.length).toBeGreaterThan(0);
        expect(redelivered.every((hook) => hook.headers['webhook-id'] === deliveryId)).toBe(true);
      }
      // One delivery (one id) per message, however many times it was sent.
      const deliveryIds = new Set(messageHooks().map((hook) => hook.headers['webhook-id']));
      expect(deliveryIds.size).toBe(MESSAGES);
      expect(new Set(messageHooks().map((hook) => hook.body.id))).toEqual(new Set(ids));
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((resolve) => second.child.once('exit', resolve));
    }
  });
});
