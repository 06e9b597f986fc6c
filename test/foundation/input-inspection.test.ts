/**
 * The one inspection of untrusted input (`inputDefect` in
 * src/domain/validation.ts) and where each surface runs it: values nested
 * deeper than MAX_NESTING are refused at the REST JSON parser (400) and
 * before GraphQL executes (one error naming the limit); strings PostgreSQL
 * cannot store (a NUL character, an unpaired UTF-16 surrogate) are refused
 * by the service reading them, naming the field. Nothing refused is written.
 */
import fc from 'fast-check';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOO_DEEP_BODY } from '../../src/rest/errors.ts';
import { inputDefect, MAX_NESTING } from '../../src/domain/validation.ts';
import { TOO_DEEP_VARIABLES } from '../../src/graphql/input-guard.ts';
import { expectRefused, failedValidation, INVALID_JSON, invalidRecord, writeFingerprint } from '../support/bad-input.ts';
import { clientInbox, openSession, publicApi, type ClientSession } from '../support/client-api.ts';
import { globalId, graphql } from '../support/graphql.ts';
import { connectGraphqlWs } from '../support/graphql-ws.ts';
import { request } from '../support/http.ts';
import { accountPath, adminApi, seedConversation } from '../support/seed.ts';
import { PLATFORM_TOKEN, startServer, type TestServer } from '../support/server.ts';

/** `levels` arrays around `inner`, built and serialised without recursion (JSON.stringify would overflow). */
const nestedJson = (levels: number, inner = '"x"') => `${'['.repeat(levels)}${inner}${']'.repeat(levels)}`;
/** A string that is valid JSON and valid UTF-16 code units, but no valid Unicode: an unpaired surrogate. */
const LONE_SURROGATE = '\ud800x';

const wellFormedText = fc.string({ unit: 'grapheme' }).filter((text) => !text.includes('\u0000'));
const storableJson = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    wellFormedText,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(wellFormedText, tie('value'), { maxKeys: 3 }),
  ),
})).value;
/** How deeply a value nests (objects and arrays), the way inputDefect counts from 1. */
const nesting = (value: unknown): number =>
  typeof value === 'object' && value !== null ? 1 + Math.max(0, ...Object.values(value).map(nesting)) : 0;

describe('inputDefect', () => {
  it('finds nothing wrong in storable values up to MAX_NESTING levels', () => {
    fc.assert(fc.property(storableJson, (value) => nesting(value) > MAX_NESTING || inputDefect(value) === undefined));
  });

  it('finds a NUL character or an unpaired surrogate anywhere, in a string or a key', () => {
    const bad = fc.constantFrom('\u0000', '\ud800', '\udfff', 'a\udc00b');
    fc.assert(
      fc.property(storableJson, bad, fc.boolean(), fc.nat(3), (value, defect, asKey, depth) => {
        let planted: unknown = asKey ? { [`k${defect}`]: value } : [value, defect];
        for (let level = 0; level < depth; level++) planted = { wrap: planted };
        expect(inputDefect(planted)).toBe('unstorable');
        expect(inputDefect(planted, 1, { strings: false })).toBeUndefined();
      }),
    );
  });

  it('counts nesting exactly and never recurses, however deep', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.boolean(), (levels, objects) => {
        const value = JSON.parse(objects ? `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}` : nestedJson(levels, '1'));
        expect(inputDefect(value)).toBe(levels > MAX_NESTING ? 'too_deep' : undefined);
      }),
    );
    expect(inputDefect(JSON.parse(nestedJson(100_000)))).toBe('too_deep');
  });
});

let server: TestServer;
let session: ClientSession;
let scene: Awaited<ReturnType<typeof seedConversation>>;
beforeAll(async () => {
  server = await startServer();
  scene = await seedConversation(server);
  session = await openSession(server, await clientInbox(server));
});
afterAll(async () => {
  await server?.stop();
});

const rawJson = (data: string) => ({ raw: { contentType: 'application/json', data } });

describe('REST: bodies nested too deeply', () => {
  const routes = () => [
    { method: 'POST', path: accountPath(server, '/contacts'), token: server.adminToken },
    { method: 'PATCH', path: accountPath(server, `/contacts/${scene.contactId}`), token: server.adminToken },
    { method: 'POST', path: accountPath(server, '/inboxes'), token: server.adminToken },
    { method: 'POST', path: accountPath(server, `/conversations/${scene.conversation.id}/messages`), token: server.adminToken },
    { method: 'POST', path: session.paths.contacts, token: null },
    { method: 'POST', path: '/platform/api/v1/users', token: PLATFORM_TOKEN },
    { method: 'PATCH', path: '/api/v1/profile', token: server.adminToken },
  ];

  for (const levels of [MAX_NESTING + 1, 1_000, 10_000])
    it(`${levels} levels in a field the server reads get 400 and write nothing, on every surface`, async () => {
      for (const route of routes())
        await expectRefused(
          server,
          () => request(server.url, route.method, route.path, { token: route.token, ...rawJson(`{"name":${nestedJson(levels - 1)}}`) }),
          400,
          { error: TOO_DEEP_BODY },
        );
      expect((await request(server.url, 'GET', '/health')).status).toBe(200);
    });

  it('a value exactly at the limit is read (and here refused by its own rule, naming the field)', async () => {
    await expectRefused(
      server,
      () => adminApi(server).post(accountPath(server, '/contacts'), undefined, rawJson(`{"name":${nestedJson(MAX_NESTING - 1)}}`)),
      422,
      invalidRecord('Name is invalid', 'name'),
    );
  });

  it('custom attributes nested to the limit are stored and read back as sent', async () => {
    const attributes = `{"deep":${nestedJson(MAX_NESTING - 3)}}`;
    const reply = await adminApi(server).patch(
      accountPath(server, `/contacts/${scene.contactId}`),
      undefined,
      rawJson(`{"custom_attributes":${attributes}}`),
    );
    expect(reply.status, reply.text.slice(0, 200)).toBe(200);
    const shown = await adminApi(server).get(accountPath(server, `/contacts/${scene.contactId}`));
    expect(shown.body.payload.custom_attributes.deep).toEqual(JSON.parse(attributes).deep);
  });
});

describe('REST: bodies that are not UTF-8', () => {
  /** A JSON body whose name holds bytes that are no UTF-8: a lone continuation byte, an overlong NUL, a cut sequence. */
  const bodies = ['80', 'c080', 'e282', 'ff'].map((hex) =>
    Buffer.concat([Buffer.from('{"name":"Ja'), Buffer.from(hex, 'hex'), Buffer.from('ne","email":"utf8@example.com"}')]),
  );
  const send = (path: string, token: string | null, body: Buffer) =>
    fetch(new URL(path, server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { api_access_token: token } : {}) },
      body: new Uint8Array(body),
    }).then(async (response) => ({ status: response.status, body: await response.json(), text: '', headers: response.headers }));

  it('are refused as JSON they are not (400), never stored with replacement characters', async () => {
    for (const body of bodies) {
      await expectRefused(server, () => send(accountPath(server, '/contacts'), server.adminToken, body), 400, INVALID_JSON);
      await expectRefused(server, () => send(session.paths.contacts, null, body), 400, INVALID_JSON);
    }
  });
});

describe('REST: strings PostgreSQL cannot store', () => {
  for (const [label, text] of [['an unpaired surrogate', LONE_SURROGATE], ['a NUL character', 'a\u0000b']] as const) {
    it(`${label} in a contact's name, custom attributes (value or key) or labels gets 422 naming the field`, async () => {
      const api = adminApi(server);
      const contact = (suffix = '') => accountPath(server, `/contacts/${scene.contactId}${suffix}`);
      await expectRefused(server, () => api.post(accountPath(server, '/contacts'), { name: text }), 422, invalidRecord('Name is invalid', 'name'));
      await expectRefused(server, () => api.patch(contact(), { custom_attributes: { plan: text } }), 422, invalidRecord('Custom attributes is invalid', 'custom_attributes'));
      await expectRefused(server, () => api.patch(contact(), { custom_attributes: { [text]: 1 } }), 422, invalidRecord('Custom attributes is invalid', 'custom_attributes'));
      await expectRefused(server, () => api.post(contact('/labels'), { labels: [text] }), 422, invalidRecord('Labels is invalid', 'labels'));
    });

    it(`${label} in a message, a Client API contact or a Platform API user's email gets 422 naming the field`, async () => {
      const messages = accountPath(server, `/conversations/${scene.conversation.id}/messages`);
      await expectRefused(server, () => adminApi(server).post(messages, { content: text }), 422, failedValidation('Content is invalid'));
      await expectRefused(server, () => publicApi(server).patch(`${session.paths.contact(session.source_id)}`, { name: text }), 422, invalidRecord('Name is invalid', 'name'));
      await expectRefused(
        server,
        () => request(server.url, 'POST', '/platform/api/v1/users', { token: PLATFORM_TOKEN, body: { name: 'N', email: `n${text}@example.com`, password: 'Passw0rd!' } }),
        422,
        invalidRecord('Email is invalid', 'email'),
      );
    });
  }
});

describe('GraphQL: the same inspection', () => {
  const createContact = parse(`mutation ($input: CreateContactInput!) {
    createContact(input: $input) { __typename ... on ValidationError { problems { path message } } }
  }`) as TypedDocumentNode<{ createContact: unknown }, { input: Record<string, unknown> }>;

  it('refuses variables nested too deeply with one error naming the limit, before anything runs (HTTP)', async () => {
    for (const levels of [MAX_NESTING + 2, 10_000]) {
      const body = `{"query":${JSON.stringify(`mutation ($input: CreateContactInput!) { createContact(input: $input) { __typename } }`)},"variables":{"input":{"accountId":"${globalId('Account', server.accountId)}","name":"x","customAttributes":{"a":${nestedJson(levels)}}}}}`;
      const before = await writeFingerprint(server);
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
        body,
      });
      expect(await response.json()).toEqual({ errors: [{ message: TOO_DEEP_VARIABLES, extensions: { code: 'BAD_USER_INPUT' } }] });
      expect(await writeFingerprint(server)).toEqual(before);
    }
  });

  it('refuses them over graphql-ws too', async () => {
    const ws = connectGraphqlWs(server.wsUrl, { api_access_token: server.adminToken });
    try {
      await ws.connected;
      let deep: unknown = 'x';
      for (let level = 0; level < 500; level++) deep = [deep];
      const results = await new Promise<unknown[]>((resolve, reject) => {
        const seen: unknown[] = [];
        ws.client.subscribe(
          { query: 'mutation ($input: CreateContactInput!) { createContact(input: $input) { __typename } }', variables: { input: { accountId: globalId('Account', server.accountId), name: 'x', customAttributes: { a: deep } } } },
          { next: (result) => seen.push(result), error: reject, complete: () => resolve(seen) },
        );
      }).catch((error: unknown) => [error]);
      expect(JSON.stringify(results)).toContain(TOO_DEEP_VARIABLES);
    } finally {
      await ws.dispose();
    }
  });

  it('refuses an unpaired surrogate in a mutation input as a ValidationError naming the field', async () => {
    for (const text of [LONE_SURROGATE, 'a\u0000b']) {
      const result = await graphql(server, server.adminToken, createContact, {
        input: { accountId: globalId('Account', server.accountId), name: text },
      });
      expect(result.data).toEqual({ createContact: { __typename: 'ValidationError', problems: [{ path: ['name'], message: 'Name is invalid' }] } });
    }
  });
});
