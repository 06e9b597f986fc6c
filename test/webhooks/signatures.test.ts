/**
 * Signatures (issue 6 item 4): every delivery verifies with the Standard
 * Webhooks reference library (`standardwebhooks`) and with the algorithm
 * written out from the specification, for an API inbox (the channel's
 * secret) and for an account webhook (the webhook's secret); a tampered body
 * or another key does not verify.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountPath, adminApi, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { startWebhookSink, type ReceivedWebhook, type WebhookSink } from '../support/webhook-sink.ts';
import { postMessage } from './support.ts';

let server: TestServer;
let sink: WebhookSink;

beforeAll(async () => {
  [server, sink] = await Promise.all([startServer(), startWebhookSink()]);
});
afterAll(async () => {
  await server?.stop();
  await sink?.close();
});

/**
 * The Standard Webhooks verification, from the specification: the key is the
 * base64-decoded part after `whsec_`; the signed content is
 * `${webhook-id}.${webhook-timestamp}.${body}`; `webhook-signature` holds
 * space-separated `v1,<base64 HMAC-SHA256>` entries, any of which may match.
 */
function verifiesByTheSpec(secret: string, hook: ReceivedWebhook): boolean {
  const headers = hook.headers as Record<string, string>;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key)
    .update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${hook.rawBody}`)
    .digest();
  return headers['webhook-signature']!.split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    const given = Buffer.from(signature ?? '', 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** The Chatwoot-style header: hex HMAC-SHA256 of `${timestamp}.${body}` keyed with the secret string. */
function verifiesChatwootStyle(secret: string, hook: ReceivedWebhook): boolean {
  const headers = hook.headers as Record<string, string>;
  const expected = createHmac('sha256', secret).update(`${headers['x-snypto-timestamp']}.${hook.rawBody}`).digest('hex');
  return headers['x-snypto-signature'] === `sha256=${expected}`;
}

function expectSigned(secret: string, hook: ReceivedWebhook) {
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
  const verified = new Webhook(secret).verify(hook.rawBody, hook.headers as Record<string, string>);
  expect(verified).toEqual(hook.body);
  expect(verifiesByTheSpec(secret, hook)).toBe(true);
  expect(verifiesChatwootStyle(secret, hook)).toBe(true);
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
    const created = await adminApi(server).post(accountPath(server, '/webhooks'), {
      url: `${sink.url}/account`,
      subscriptions: ['conversation_created'],
    });
    expect(created.status).toBe(200);
    try {
      const { conversation } = await seedConversation(server);
      const hook = await sink.next((h) => h.path === '/account' && h.body.id === conversation.id);
      const webhook = await server.app.database.prisma.webhook.findUniqueOrThrow({ where: { id: created.body.payload.webhook.id } });
      expectSigned(webhook.secret, hook);
    } finally {
      await adminApi(server).delete(accountPath(server, `/webhooks/${created.body.payload.webhook.id}`));
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
    expect(verifiesByTheSpec(channel.secret, tampered)).toBe(false);
    expect(verifiesChatwootStyle(channel.secret, tampered)).toBe(false);
    const otherKey = `whsec_${Buffer.from('another key of 32 bytes, exactly').toString('base64')}`;
    expect(() => new Webhook(otherKey).verify(hook.rawBody, headers)).toThrow(WebhookVerificationError);
    expect(verifiesByTheSpec(otherKey, hook)).toBe(false);
    const replayed = { ...headers, 'webhook-id': '00000000-0000-4000-8000-000000000000' };
    expect(() => new Webhook(channel.secret).verify(hook.rawBody, replayed)).toThrow(WebhookVerificationError);
  });
});
