/**
 * SSRF safety (issue 6 item 7): with SNYPTO_WEBHOOK_ALLOW_PRIVATE=false,
 * webhook URLs on loopback, private, link-local and other non-public
 * addresses are refused when saved (422) and at send time (the delivery
 * fails at once with the guard's error and nothing is sent), including names
 * that resolve there and names re-pointed after the check (DNS rebinding),
 * and every IPv6 form carrying a refused IPv4 address (mapped, compatible,
 * SIIT, NAT64, 6to4, Teredo; issue 16 item 4).
 */
import type { LookupAddress } from 'node:dns';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DestinationGuard, isPrivateAddress, PrivateDestinationError } from '../../src/webhooks/destination-guard.ts';
import { fuzzParameters } from '../fuzz/settings.ts';
import { expectRefused } from '../support/bad-input.ts';
import { accountPath, adminApi, createInbox, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.ts';
import { deliveryAfter, postMessage } from '../support/webhook-deliveries.ts';

let server: TestServer;
let sink: WebhookSink;

/** An inbox whose webhook_url is public (saved only, never delivered to). */
let publicInbox: number;

beforeAll(async () => {
  [server, sink] = await Promise.all([startServer({ SNYPTO_WEBHOOK_ALLOW_PRIVATE: 'false' }), startWebhookSink()]);
  publicInbox = (await createInbox(server, PUBLIC_URL)).id;
});
afterAll(async () => {
  await server?.stop();
  await sink?.close();
});

const PRIVATE_URLS = [
  'http://127.0.0.1:9/hook',
  'http://localhost:9/hook',
  'http://[::1]/hook',
  'http://10.1.2.3/hook',
  'http://172.16.0.1/hook',
  'http://192.168.1.10/hook',
  'http://169.254.169.254/latest/meta-data',
  'http://100.64.0.1/hook',
  'http://0.0.0.0/hook',
  'http://224.0.0.1/hook',
  'http://[fd00::1]/hook',
  'http://[fe80::1]/hook',
  'http://[::ffff:127.0.0.1]/hook',
  'http://2130706433/hook', // 127.0.0.1 written as one number
];
/** IPv4 networks of every refused class (ipaddr.js's), for generating refused addresses. */
const REFUSED_IPV4_NETWORKS: [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
  ['255.255.255.255', 32],
];
/** A public address, only ever saved: no test plans a delivery to it. */
const PUBLIC_URL = 'http://93.184.215.14/hook';
/** IPv6 forms carrying 127.0.0.1, 10.0.0.1 or 192.168.1.1 (literals are checked without DNS). */
const EMBEDDING_URLS = [
  'http://[2002:7f00:1::]/hook', // 6to4 of 127.0.0.1
  'http://[2002:c0a8:101:1::1]/hook', // 6to4 of 192.168.1.1
  'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook', // Teredo, client 127.0.0.1
  'http://[2001:0:a00:1:8000:63bf:3fff:fdd2]/hook', // Teredo, server 10.0.0.1
  'http://[::7f00:1]/hook', // IPv4-compatible 127.0.0.1
  'http://[::ffff:7f00:1]/hook', // IPv4-mapped 127.0.0.1
  'http://[::ffff:0:a00:1]/hook', // SIIT (RFC 6145) 10.0.0.1
  'http://[64:ff9b::7f00:1]/hook', // NAT64 of 127.0.0.1
  'http://[64:ff9b:1::a00:1]/hook', // NAT64 local use: refused whatever it carries
];
const REFUSED = { message: 'Url is not allowed: it resolves to a private address', attributes: ['url'] };
const INBOX_REFUSED = { message: 'Webhook url is not allowed: it resolves to a private address', attributes: ['webhook_url'] };

describe('saving a webhook URL', () => {
  it.each(PRIVATE_URLS)('refuses an account webhook on %s', async (url) => {
    const reply = await adminApi(server).post(accountPath(server, '/webhooks'), { url });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual(REFUSED);
  });

  it('accepts a public address, and refuses changing it to a private one', async () => {
    const created = await adminApi(server).post(accountPath(server, '/webhooks'), { url: PUBLIC_URL });
    expect(created.status).toBe(200);
    const id = created.body.payload.webhook.id;
    const changed = await adminApi(server).patch(accountPath(server, `/webhooks/${id}`), { url: 'http://10.0.0.8/hook' });
    expect(changed.status).toBe(422);
    expect(changed.body).toEqual(REFUSED);
    const kept = await server.app.database.prisma.webhook.findUniqueOrThrow({ where: { id } });
    expect(kept.url).toBe(PUBLIC_URL);
    expect((await adminApi(server).delete(accountPath(server, `/webhooks/${id}`))).status).toBe(200);
  });

  it('refuses an API inbox webhook_url on a private address, at creation and on update', async () => {
    const created = await adminApi(server).post(accountPath(server, '/inboxes'), {
      name: 'Private hook',
      channel: { type: 'api', webhook_url: 'http://192.168.0.5/callback' },
    });
    expect(created.status).toBe(422);
    expect(created.body).toEqual(INBOX_REFUSED);

    const inbox = await createInbox(server, PUBLIC_URL);
    const updated = await adminApi(server).patch(accountPath(server, `/inboxes/${inbox.id}`), {
      channel: { webhook_url: 'http://localhost:3000/callback' },
    });
    expect(updated.status).toBe(422);
    expect(updated.body).toEqual(INBOX_REFUSED);
    const cleared = await adminApi(server).patch(accountPath(server, `/inboxes/${inbox.id}`), { channel: { webhook_url: '' } });
    expect(cleared.status).toBe(200);
  });

  it.each(EMBEDDING_URLS)('refuses %s as an inbox webhook_url and an account webhook url, storing nothing', async (url) => {
    const inboxes = accountPath(server, '/inboxes');
    await expectRefused(server, () => adminApi(server).post(inboxes, { name: 'Embedded', channel: { type: 'api', webhook_url: url } }), 422, INBOX_REFUSED);
    await expectRefused(server, () => adminApi(server).patch(`${inboxes}/${publicInbox}`, { channel: { webhook_url: url } }), 422, INBOX_REFUSED);
    await expectRefused(server, () => adminApi(server).post(accountPath(server, '/webhooks'), { url }), 422, REFUSED);
  });

  it('refuses a bare host on a private address as an inbox webhook_url (it is sent to over http)', async () => {
    const inboxes = accountPath(server, '/inboxes');
    await expectRefused(server, () => adminApi(server).post(inboxes, { name: 'Bare', channel: { type: 'api', webhook_url: '127.0.0.1:9/hook' } }), 422, INBOX_REFUSED);
    await expectRefused(server, () => adminApi(server).patch(`${inboxes}/${publicInbox}`, { channel: { webhook_url: 'localhost/hook' } }), 422, INBOX_REFUSED);
  });
});

describe('sending', () => {
  /** A conversation whose inbox's webhook_url is set to `url` behind the API's back (as if the guard had changed). */
  async function inboxPointedAt(url: string) {
    const seeded = await seedConversation(server);
    const db = server.app.database.prisma;
    const inbox = await db.inbox.findUniqueOrThrow({ where: { id: seeded.inbox.id } });
    await db.channelApi.update({ where: { id: inbox.channelId }, data: { webhookUrl: url } });
    return seeded;
  }

  it('fails a delivery to a private literal address at once, without sending it', async () => {
    const { conversation } = await inboxPointedAt(`${sink.url}/literal`);
    const messageId = await postMessage(server, conversation.id, 'to loopback');
    const delivery = await deliveryAfter(server, messageId, 1);
    expect(delivery).toMatchObject({
      state: 'failed',
      attempts: 1,
      responseStatus: null,
      lastError: 'Url is not allowed: 127.0.0.1 resolves to a private address (127.0.0.1)',
    });
    expect(sink.received).toEqual([]);
  });

  it('fails a delivery to a name that resolves to a private address, checked in the connection’s own lookup', async () => {
    const port = new URL(sink.url).port;
    const { conversation } = await inboxPointedAt(`http://localhost:${port}/by-name`);
    const messageId = await postMessage(server, conversation.id, 'to localhost');
    const delivery = await deliveryAfter(server, messageId, 1);
    expect(delivery.state).toBe('failed');
    expect(delivery.lastError).toMatch(/^Url is not allowed: localhost resolves to a private address \((127\.0\.0\.1|::1)\)$/);
    expect(sink.received).toEqual([]);
  });
});

describe('address classes', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.255.0.1', true],
    ['172.31.255.255', true],
    ['192.168.0.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['100.127.255.255', true],
    ['0.0.0.0', true],
    ['255.255.255.255', true],
    ['239.1.2.3', true],
    ['::', true],
    ['::1', true],
    ['fc00::1', true],
    ['fdff::1', true],
    ['fe80::1', true],
    ['ff02::1', true],
    ['::ffff:10.0.0.1', true],
    ['::ffff:169.254.169.254', true],
    ['64:ff9b::a00:1', true], // NAT64 of 10.0.0.1
    ['8.8.8.8', false],
    ['100.128.0.1', false],
    ['172.32.0.1', false],
    ['93.184.215.14', false],
    ['::ffff:8.8.8.8', false],
    ['2606:4700:4700::1111', false],
    // IPv6 forms carrying an IPv4 address are refused when it is.
    ['2002:7f00:1::', true], // 6to4 of 127.0.0.1
    ['2002:a9fe:a9fe::1', true], // 6to4 of 169.254.169.254
    ['2002:808:808::1', false], // 6to4 of 8.8.8.8
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', true], // RFC 4380's example: client 192.0.2.45 (reserved)
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', true], // Teredo, client 127.0.0.1
    ['2001:0:a00:1::f7f7:f7f7', true], // Teredo, server 10.0.0.1, client 8.8.8.8
    ['2001:0:808:808::f7f7:f7f7', false], // Teredo, server and client 8.8.8.8
    ['::7f00:1', true], // IPv4-compatible 127.0.0.1
    ['::808:808', false], // IPv4-compatible 8.8.8.8
    ['::ffff:0:a00:1', true], // SIIT of 10.0.0.1
    ['::ffff:0:808:808', false], // SIIT of 8.8.8.8
    ['64:ff9b::7f00:1', true], // NAT64 of 127.0.0.1
    ['64:ff9b::808:808', false], // NAT64 of 8.8.8.8
    ['64:ff9b:1::808:808', true], // NAT64 local use, whatever it carries
    ['64:ff9b:1:808:8:800::', true],
  ])('%s is private: %s', (address, refused) => {
    expect(isPrivateAddress(address)).toBe(refused);
  });

  /** Any IPv4 address, half of them from a refused class (random ones are mostly public). */
  const ipv4 = fc.oneof(
    fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)),
    fc
      .tuple(
        fc.constantFrom(...REFUSED_IPV4_NETWORKS),
        fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)),
      )
      .map(([[network, bits], host]) => {
        const base = ipaddr.IPv4.parse(network).toByteArray();
        return base.map((byte, i) => {
          const kept = Math.max(0, Math.min(8, bits - 8 * i));
          const mask = (0xff << (8 - kept)) & 0xff;
          return (byte & mask) | (host[i]! & ~mask & 0xff);
        }) as [number, number, number, number];
      }),
  );
  const hex = (bytes: number[]) => [0, 2].map((i) => ((bytes[i]! << 8) | bytes[i + 1]!).toString(16)).join(':');
  const dotted = (bytes: number[]) => bytes.join('.');
  const inverted = (bytes: number[]) => bytes.map((byte) => byte ^ 0xff);
  /** Each single-IPv4 form, built by hand (not by the code under test). */
  const FORMS: Record<string, (bytes: number[]) => string> = {
    'IPv4-mapped': (b) => `::ffff:${dotted(b)}`,
    'IPv4-compatible': (b) => `::${hex(b)}`,
    SIIT: (b) => `::ffff:0:${hex(b)}`,
    NAT64: (b) => `64:ff9b::${dotted(b)}`,
    '6to4': (b) => `2002:${hex(b)}:1:0:0:0:1`,
    'Teredo client': (b) => `2001:0:808:808:8000:1234:${hex(inverted(b))}`,
    'Teredo server': (b) => `2001:0:${hex(b)}:0:1234:f7f7:f7f7`,
  };

  it('refuses each IPv6 form of an IPv4 address exactly when it refuses that address', () => {
    fc.assert(
      fc.property(ipv4, fc.constantFrom(...Object.keys(FORMS)), (bytes, form) => {
        const embedded = isPrivateAddress(dotted(bytes));
        expect(isPrivateAddress(FORMS[form]!(bytes)), `${form} of ${dotted(bytes)}`).toBe(embedded);
      }),
      fuzzParameters(2000, 0.02),
    );
  });

  it('refuses a Teredo address when its server or its client is refused', () => {
    fc.assert(
      fc.property(ipv4, ipv4, fc.nat(0xffff), (server, client, port) => {
        const address = `2001:0:${hex(server)}:8000:${port.toString(16)}:${hex(inverted(client))}`;
        expect(isPrivateAddress(address)).toBe(isPrivateAddress(dotted(server)) || isPrivateAddress(dotted(client)));
      }),
      fuzzParameters(1000, 0.01),
    );
  });

  it('refuses NAT64 local-use addresses whatever they carry', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(0xffff), { minLength: 5, maxLength: 5 }), (groups) => {
        expect(isPrivateAddress(`64:ff9b:1:${groups.map((g) => g.toString(16)).join(':')}`)).toBe(true);
      }),
      fuzzParameters(200, 0.01),
    );
  });
});

describe('the guard', () => {
  /** A resolver that answers a public address first and a private one afterwards (DNS rebinding). */
  function rebinding() {
    const answers: LookupAddress[][] = [[{ address: '93.184.215.14', family: 4 }], [{ address: '127.0.0.1', family: 4 }]];
    return async () => answers.shift() ?? [];
  }

  it('lets a name through at save time and still refuses the private address it resolves to when connecting', async () => {
    const guard = new DestinationGuard({ allowPrivate: false, resolve: rebinding() });
    await expect(guard.check('https://rebind.example/hook')).resolves.toBeUndefined();
    const lookup = guard.connectLookup!;
    const result = await new Promise<{ error: Error | null; address: unknown }>((resolve) =>
      lookup('rebind.example', {}, (error, address) => resolve({ error, address })),
    );
    expect(result.error).toBeInstanceOf(PrivateDestinationError);
    expect(result.error?.message).toBe('Url is not allowed: rebind.example resolves to a private address (127.0.0.1)');
  });

  it('refuses a name when any of its addresses is private', async () => {
    const guard = new DestinationGuard({
      allowPrivate: false,
      resolve: async () => [
        { address: '93.184.215.14', family: 4 },
        { address: '10.0.0.1', family: 4 },
      ],
    });
    await expect(guard.check('https://mixed.example/')).rejects.toThrow(PrivateDestinationError);
  });

  it('hands the connection the checked addresses, one or all as asked', async () => {
    const addresses = [
      { address: '93.184.215.14', family: 4 },
      { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
    ];
    const lookup = new DestinationGuard({ allowPrivate: false, resolve: async () => addresses }).connectLookup!;
    const one = await new Promise((resolve) => lookup('public.example', {}, (error, address, family) => resolve({ error, address, family })));
    expect(one).toEqual({ error: null, address: '93.184.215.14', family: 4 });
    const all = await new Promise((resolve) => lookup('public.example', { all: true }, (error, address) => resolve({ error, address })));
    expect(all).toEqual({ error: null, address: addresses });
  });

  it('lets a name that does not resolve be saved (the send-time lookup decides)', async () => {
    const guard = new DestinationGuard({
      allowPrivate: false,
      resolve: async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND' });
      },
    });
    await expect(guard.check('https://nowhere.invalid/')).resolves.toBeUndefined();
  });

  it('allows everything, and checks nothing, with SNYPTO_WEBHOOK_ALLOW_PRIVATE', async () => {
    const guard = new DestinationGuard({ allowPrivate: true });
    await expect(guard.check('http://127.0.0.1/')).resolves.toBeUndefined();
    expect(() => guard.checkLiteral('http://10.0.0.1/')).not.toThrow();
    expect(guard.connectLookup).toBeUndefined();
  });
});
