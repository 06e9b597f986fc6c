/**
 * A backlog is sent a bounded number at a time: the worker claims due
 * deliveries only while at most 64 sends are under way, so a delivery is
 * never claimed long before it is sent, outlives its lease and goes out twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.ts';
import { deliveriesSettled, postMessage, waitFor } from '../support/webhook-deliveries.ts';

let server: TestServer;
let sink: WebhookSink;

beforeAll(async () => {
  // Held deliveries must not time out while the backlog builds up.
  server = await startServer({ WEBHOOK_TIMEOUT: '30' });
  sink = await startWebhookSink();
});
afterAll(async () => {
  await server?.stop();
  await sink?.close();
});

describe('a backlog', () => {
  it('has at most 64 deliveries in flight at a time, and each is sent once', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<number>((resolve) => (release = () => resolve(200)));
    sink.respondWith(() => held);
    const { conversation } = await seedConversation(server, `${sink.url}/hook`);
    const ids: number[] = [];
    for (let i = 0; i < 90; i += 10)
      ids.push(...(await Promise.all(Array.from({ length: 10 }, (_, k) => postMessage(server, conversation.id, `backlog ${i + k}`)))));
    // Claims come in batches of at least 16 free slots, so between 49 and 64 are held at once; never all 91.
    await waitFor(async () => sink.received.length >= 49, 'a full set of deliveries in flight');
    // Once the worker has claimed all it may while those are held, every claimed delivery reaches the sink.
    await deliveriesSettled(server, { sends: false });
    const claimed = await server.app.database.prisma.webhookDelivery.count({ where: { state: 'pending', lockedUntil: { not: null } } });
    await waitFor(async () => sink.received.length >= claimed, `the ${claimed} claimed deliveries to arrive`);
    expect(sink.received.length).toBeLessThanOrEqual(64);

    release();
    const messageIds = () => sink.received.filter((hook) => hook.body.event === 'message_created').map((hook) => hook.body.id as number);
    await waitFor(async () => messageIds().length >= ids.length, 'every message delivered');
    // A second send of any delivery would have been made by the time the worker settles.
    await deliveriesSettled(server);
    expect(messageIds().sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    const deliveryIds = sink.received.map((hook) => hook.headers['webhook-id']);
    expect(new Set(deliveryIds).size).toBe(deliveryIds.length);
  });
});
