/**
 * Signatures (issue 6 item 4): every delivery verifies with the Standard
 * Webhooks reference library (`standardwebhooks`) and with the algorithm
 * written out from the specification, for an API inbox (the channel's
 * secret) and for an account webhook (the webhook's secret); a tampered body
 * or another key does not verify.
 */
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { createAccountWebhook, postMessage } from '../support/webhook-deliveries.ts';
import { snyptoSignatureVerifies, standardSignatureVerifies } from '../support/webhook-signature.ts';
import { startWebhookSink, type ReceivedWebhook, type WebhookSink } from '../support/webhook-sink.ts';

let server: TestServer;
let sink: WebhookSink;

beforeAll(async () => {
  [server, sink] = await Promise.all([startServer(), startWebhookSink()]);
});
afterAll(async () => {
  await server?.stop();
  await sink?.close();
});

function expectSigned(secret: string, hook: ReceivedWebhook) {
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
  const verified = new Webhook(secret).verify(hook.rawBody, hook.headers as Record<string, string>);
  expect(verified).toEqual(hook.body);
  expect(standardSignatureVerifies(hook, secret)).toBe(true);
  expect(snyptoSignatureVerifies(hook, secret)).toBe(true);
  expect(hook.headers['webhook-id']).toBe(hook.headers['x-snypto-delivery']);
  expect(hook.headers['webhook-timestamp']).toBe(hook.headers['x-snypto-timestamp']);
  expect(Math.abs(Number(hook.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
}

describe('delivery signatures', () => {
  it('verify for an API inbox with its channel secret, by the reference library and by the specification', async () => {
    const { conversation, inbox } = await seedConversation(server, `${sink.url}/inbox`);
    const messageId = await postMessage(server, conversation.id, 'signed');
    const hook = await sink.next((h) => h.path === '/inbox' && h.body.event === 'message_created' && h.body.id === messageId);
    const channel = await server.app.database.prisma.channelApi.findFirstOrThrow({ where: { inbox: { id: inbox.id } } });
    expectSigned(channel.secret, hook);
  });

  it('verify for an account webhook with the webhook secret', async () => {
    const created = await createAccountWebhook(server, `${sink.url}/account`, ['conversation_created']);
    try {
      const { conversation } = await seedConversation(server);
      const hook = await sink.next((h) => h.path === '/account' && h.body.id === conversation.id);
      const webhook = await server.app.database.prisma.webhook.findUniqueOrThrow({ where: { id: created.id } });
      expectSigned(webhook.secret, hook);
    } finally {
      await created.remove();
    }
  });

  it('do not verify a tampered body, another key or another delivery id', async () => {
    const { conversation, inbox } = await seedConversation(server, `${sink.url}/tamper`);
    const messageId = await postMessage(server, conversation.id, 'original');
    const hook = await sink.next((h) => h.path === '/tamper' && h.body.event === 'message_created' && h.body.id === messageId);
    const channel = await server.app.database.prisma.channelApi.findFirstOrThrow({ where: { inbox: { id: inbox.id } } });
    const headers = hook.headers as Record<string, string>;
    const tampered = { ...hook, rawBody: hook.rawBody.replace('original', 'forged') };
    expect(() => new Webhook(channel.secret).verify(tampered.rawBody, headers)).toThrow(WebhookVerificationError);
    expect(standardSignatureVerifies(tampered, channel.secret)).toBe(false);
    expect(snyptoSignatureVerifies(tampered, channel.secret)).toBe(false);
    const otherKey = `whsec_${Buffer.from('another key of 32 bytes, exactly').toString('base64')}`;
    expect(() => new Webhook(otherKey).verify(hook.rawBody, headers)).toThrow(WebhookVerificationError);
    expect(standardSignatureVerifies(hook, otherKey)).toBe(false);
    const replayed = { ...headers, 'webhook-id': '00000000-0000-4000-8000-000000000000' };
    expect(() => new Webhook(channel.secret).verify(hook.rawBody, replayed)).toThrow(WebhookVerificationError);
  });
});
