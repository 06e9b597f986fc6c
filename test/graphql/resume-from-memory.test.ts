/**
 * Resumes served from memory (src/graphql/group-record.ts): while others
 * who share a subscriber's group stay connected, the group remembers what it
 * sent, and a subscriber who comes back is sent what it missed from there,
 * without the history being read. Each test proves it by deleting the
 * history before resuming: the resume still delivers exactly what was
 * missed, in order, then the live events, none twice, and a contact's record
 * never holds a private note; with SNYPTO_REPLAY_MEMORY=0 the same resume
 * is refused (HISTORY_UNAVAILABLE, reject_history), so nothing else served it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContactResumeMessageCreatedDocument, ResumeMessageCreatedDocument } from '../generated/graphql.ts';
import { rawCable } from '../support/cable.ts';
import { agentMessage, clientInbox, openSession, startConversation } from '../support/client-api.ts';
import { openEventStream } from '../support/event-stream.ts';
import { connectGraphqlWs, type WsClient } from '../support/graphql-ws.ts';
import { globalId } from '../support/graphql.ts';
import { startServer, type TestServer } from '../support/server.ts';

type Result = {
  data?: { messageCreated?: { databaseId: number; content: string | null } } | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
};
type Subscription = { next(timeoutMs?: number): Promise<Result>; nextMatching(predicate: (result: Result) => boolean, timeoutMs?: number): Promise<Result> };
type Frame = Record<string, any>;

let server: TestServer;
let forgetful: TestServer;
const closers: (() => unknown)[] = [];

beforeAll(async () => {
  [server, forgetful] = await Promise.all([startServer(), startServer({ SNYPTO_REPLAY_MEMORY: '0' })]);
});
afterAll(async () => {
  for (const close of closers) await close();
  await Promise.all([server?.stop(), forgetful?.stop()]);
});

/** Deletes the event history (and the webhook log that refers to it): a resume can only be served from memory now. */
async function forgetHistory(target: TestServer) {
  const db = target.app.database.prisma;
  await db.$executeRawUnsafe('DELETE FROM webhook_deliveries');
  await db.$executeRawUnsafe('DELETE FROM events');
}

/** A contact's session with an open conversation, and a writer of agent messages in it. */
async function contactConversation(target: TestServer) {
  const inbox = await clientInbox(target);
  const session = await openSession(target, inbox);
  const conversation = await startConversation(target, session);
  const say = (content: string, extra: Record<string, unknown> = {}) => agentMessage(target, conversation, { content, ...extra });
  return { inbox, session, conversation, say };
}

async function connect(target: TestServer, params: Record<string, unknown>) {
  const ws: WsClient = connectGraphqlWs(target.wsUrl, params);
  closers.push(() => ws.dispose());
  await ws.connected;
  return ws;
}

/** Subscribes and says marks until one is heard: the subscription is live; returns it with that result's cursor. */
async function live(subscribe: () => Subscription, say: (content: string) => Promise<unknown>) {
  const subscription = subscribe();
  for (let attempt = 0; attempt < 50; attempt++) {
    const content = `mark ${attempt} ${Math.random()}`;
    await say(content);
    const heard = await subscription.nextMatching((r) => r.errors !== undefined || r.data?.messageCreated?.content === content, 2_000).catch(() => null);
    expect(heard?.errors).toBeUndefined();
    if (heard) return { subscription, cursor: heard.extensions!.cursor as string };
  }
  throw new Error('the subscription never went live');
}

/** What a resumed subscription delivers before the `until` message (said now), or its error. */
async function heardUntil(subscription: Subscription, say: (content: string) => Promise<unknown>, until: string) {
  await say(until);
  const heard: string[] = [];
  for (;;) {
    const result = await subscription.next(10_000);
    if (result.errors) return { heard, errors: result.errors };
    const content = result.data?.messageCreated?.content ?? '';
    if (content === until) return { heard, errors: undefined };
    if (!content.startsWith('mark ')) heard.push(content);
  }
}

describe('graphql-ws: a resume is served from what the group sent', () => {
  for (const [label, target, served] of [
    ['with memory', () => server, true],
    ['with SNYPTO_REPLAY_MEMORY=0', () => forgetful, false],
  ] as const) {
    it(`${label}: an agent's resume ${served ? 'gets every missed message, private notes too, once' : 'is refused once the history is gone'}`, async () => {
      const { say } = await contactConversation(target());
      const params = { api_access_token: target().adminToken };
      const variables = { scope: { accountId: globalId('Account', target().accountId) } };
      // Keeps the group (and its record) alive throughout.
      const witness = await connect(target(), params);
      await live(() => witness.subscribe(ResumeMessageCreatedDocument, variables) as unknown as Subscription, say);
      const away = await connect(target(), params);
      const { cursor } = await live(() => away.subscribe(ResumeMessageCreatedDocument, variables) as unknown as Subscription, say);
      await away.dispose();
      for (const [content, extra] of [['missed 1', {}], ['missed 2 (note)', { private: true }], ['missed 3', {}]] as const) await say(content, extra);
      await forgetHistory(target());

      const back = await connect(target(), params);
      const resumed = back.subscribe(ResumeMessageCreatedDocument, { ...variables, after: cursor }) as unknown as Subscription;
      const { heard, errors } = await heardUntil(resumed, say, 'live after resuming');
      if (served) {
        expect(errors).toBeUndefined();
        expect(heard).toEqual(['missed 1', 'missed 2 (note)', 'missed 3']);
      } else {
        expect(errors?.[0]?.extensions?.code).toBe('HISTORY_UNAVAILABLE');
      }
    });
  }

  it("a contact's resume from memory never includes a private note", async () => {
    const { inbox, session, say } = await contactConversation(server);
    const params = { inboxIdentifier: inbox.identifier, contactIdentifier: session.source_id };
    const witness = await connect(server, params);
    await live(() => witness.subscribe(ContactResumeMessageCreatedDocument, {}) as unknown as Subscription, say);
    const away = await connect(server, params);
    const { cursor } = await live(() => away.subscribe(ContactResumeMessageCreatedDocument, {}) as unknown as Subscription, say);
    await away.dispose();
    await say('a private note', { private: true });
    await say('for the contact');
    await forgetHistory(server);

    const back = await connect(server, params);
    const resumed = back.subscribe(ContactResumeMessageCreatedDocument, { after: cursor }) as unknown as Subscription;
    const { heard, errors } = await heardUntil(resumed, say, 'contact probe');
    expect(errors).toBeUndefined();
    expect(heard).toEqual(['for the contact']);
  });
});

describe('SSE: Last-Event-ID is served from what the group sent', () => {
  it('replays the missed messages after the id, then the live ones', async () => {
    const { say } = await contactConversation(server);
    const query = 'subscription ($scope: EventScope) { messageCreated(scope: $scope) { databaseId content } }';
    const url = `${server.url}/graphql?${new URLSearchParams({ query, variables: JSON.stringify({ scope: { accountId: globalId('Account', server.accountId) } }) })}`;
    const headers = { authorization: `Bearer ${server.adminToken}` };
    const contentOf = (data: string) => (JSON.parse(data) as Result).data?.messageCreated?.content;
    const liveStream = async (extra: Record<string, string> = {}) => {
      const stream = await openEventStream(url, { ...headers, ...extra });
      closers.push(() => stream.close());
      for (let attempt = 0; attempt < 50; attempt++) {
        const content = `mark ${attempt} ${Math.random()}`;
        await say(content);
        const heard = await stream.next((e) => e.event === 'next' && contentOf(e.data) === content, 2_000).catch(() => undefined);
        if (heard) return { stream, id: heard.id! };
      }
      throw new Error('the stream never went live');
    };
    await liveStream(); // the witness
    const away = await liveStream();
    away.stream.close();
    await say('sse missed 1');
    await say('sse missed 2');
    await forgetHistory(server);

    const again = await openEventStream(url, { ...headers, 'last-event-id': away.id });
    closers.push(() => again.close());
    await say('sse live');
    const heard: string[] = [];
    for (;;) {
      const content = contentOf((await again.next((e) => e.event === 'next')).data) ?? '';
      if (content === 'sse live') break;
      if (!content.startsWith('mark ')) heard.push(content);
    }
    expect(heard).toEqual(['sse missed 1', 'sse missed 2']);
  });
});

describe('/cable: a history request is served from what the audience sent', () => {
  for (const [label, target, served] of [
    ['with memory', () => server, true],
    ['with SNYPTO_REPLAY_MEMORY=0', () => forgetful, false],
  ] as const) {
    it(`${label}: ${served ? 'replays the missed broadcasts, then confirm_history' : 'reject_history once the history is gone'}`, async () => {
      const { session, say } = await contactConversation(target());
      const identifier = JSON.stringify({ channel: 'RoomChannel', pubsub_token: session.pubsub_token });
      const open = async () => {
        const cable = await rawCable(target().wsUrl, ['actioncable-v1-ext-json']);
        closers.push(() => cable.close());
        await cable.frames.next((f: Frame) => f.type === 'welcome');
        cable.send({ command: 'subscribe', identifier });
        await cable.frames.next((f: Frame) => f.identifier === identifier && f.type === 'confirm_subscription');
        return cable;
      };
      const created = (content: string) => (f: Frame) => f.message?.event === 'message.created' && f.message.data.content === content;
      await open(); // the witness: keeps the audience alive
      const away = await open();
      await say('heard');
      const position = await away.frames.next(created('heard'));
      away.close();
      await away.closedWith;
      await say('cable missed 1');
      await say('a note', { private: true });
      await say('cable missed 2');
      await forgetHistory(target());

      const back = await rawCable(target().wsUrl, ['actioncable-v1-ext-json']);
      closers.push(() => back.close());
      await back.frames.next((f: Frame) => f.type === 'welcome');
      back.send({ command: 'subscribe', identifier, history: { streams: { [position.stream_id]: { epoch: position.epoch, offset: position.offset } } } });
      const frames: Frame[] = [];
      for (;;) {
        const frame = await back.frames.next((f: Frame) => f.type !== 'ping' && f.message?.event !== 'presence.update');
        frames.push(frame);
        if (frame.type === 'confirm_history' || frame.type === 'reject_history') break;
      }
      if (served) {
        expect(frames.at(-1)).toEqual({ type: 'confirm_history', identifier });
        expect(frames.filter((f) => f.message?.event === 'message.created').map((f) => f.message.data.content)).toEqual(['cable missed 1', 'cable missed 2']);
      } else {
        expect(frames.at(-1)).toEqual({ type: 'reject_history', identifier });
      }
    });
  }
});
