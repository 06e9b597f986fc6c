/**
 * /cable's reliable streams: AnyCable's extended Action Cable protocol
 * (`actioncable-v1-ext-json`, src/cable/protocol.ts) against the real
 * server. Raw sockets check the exact frames: broadcasts with their stream,
 * epoch and offset; `history` by offset or by time, answered from the event
 * history by the live access rules, or refused; the seam between a replay
 * and the live broadcasts; session restore. The official @anycable/web
 * client, its socket cut under it, gets every message exactly once. The
 * plain protocol's frames stay as they were.
 */
import { createCable } from '@anycable/web';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { WebSocket } from 'ws';
import { Inbox, rawCable, type Broadcast } from '../support/cable.ts';
import { agentMessage, clientInbox, openSession, startConversation } from '../support/client-api.ts';
import { accountPath, addInboxMember, adminApi, createAgent } from '../support/seed.ts';
import { createScratchDatabase, POSTGRES_ADMIN_URL, type ScratchDatabase } from '../support/scratch-database.ts';
import { startServer, type TestServer } from '../support/server.ts';

const EXT = 'actioncable-v1-ext-json';
const PLAIN = 'actioncable-v1-json';
/** The replay limits of the second server: a 2 s window, at most LIMITED_EVENTS events. */
const LIMITED_WINDOW_S = 2;
const LIMITED_EVENTS = 6;

let server: TestServer;
let limited: TestServer;
let warn: MockInstance;
const sockets: RawCable[] = [];
const cables: ReturnType<typeof createCable>[] = [];

beforeAll(async () => {
  [server, limited] = await Promise.all([
    startServer(),
    startServer({ SNYPTO_REPLAY_WINDOW: String(LIMITED_WINDOW_S), SNYPTO_REPLAY_MAX_EVENTS: String(LIMITED_EVENTS) }),
  ]);
  warn = vi.spyOn(server.app.http.log, 'warn');
});
afterAll(async () => {
  warn?.mockRestore();
  for (const cable of cables) cable.disconnect();
  for (const socket of sockets) socket.close();
  await Promise.all([server?.stop(), limited?.stop()]);
});

type RawCable = Awaited<ReturnType<typeof rawCable>>;
type Frame = Record<string, any>;
interface Position {
  stream_id: string;
  epoch: string;
  offset: number;
}

/** A raw extended-protocol socket, with its `welcome`. */
async function extCable(target = server, options: Parameters<typeof rawCable>[2] = {}) {
  const cable = await rawCable(target.wsUrl, [EXT], options);
  sockets.push(cable);
  const welcome = await cable.frames.next((f) => f.type === 'welcome');
  return { ...cable, welcome };
}

/** Closes a socket and waits until it is closed. */
async function hangUp(cable: RawCable) {
  cable.close();
  await cable.closedWith;
}

/** A contact's session with an open conversation: its RoomChannel identifier and the conversation's display id. */
async function contact(target = server) {
  const inbox = await clientInbox(target);
  const session = await openSession(target, inbox);
  const conversation = await startConversation(target, session);
  return { identifier: JSON.stringify({ channel: 'RoomChannel', pubsub_token: session.pubsub_token }), conversation, inboxId: inbox.id };
}

const agentIdentifier = (agent: { id: number; pubsubToken: string }) =>
  JSON.stringify({ channel: 'RoomChannel', pubsub_token: agent.pubsubToken, user_id: agent.id, account_id: server.accountId });

const post = (conversation: number, content: string, target = server, extra: Record<string, unknown> = {}) =>
  agentMessage(target, conversation, { content, ...extra });

const isCreated = (f: Frame) => f.message?.event === 'message.created';
const created = (id: number) => (f: Frame) => isCreated(f) && f.message.data.id === id;
const isHistoryAnswer = (f: Frame) => f.type === 'confirm_history' || f.type === 'reject_history';
const createdIds = (frames: Frame[]) => frames.filter(isCreated).map((f) => f.message.data.id as number);
const positionOf = (f: Frame): Position => ({ stream_id: f.stream_id, epoch: f.epoch, offset: f.offset });
const streamsOf = ({ stream_id, epoch, offset }: Position) => ({ [stream_id]: { epoch, offset } });

/** The frames from now until one matches `last` (included), in order, pings left out. */
async function framesUntil(cable: RawCable, last: (f: Frame) => boolean): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (;;) {
    const frame = await cable.frames.next((f) => f.type !== 'ping');
    frames.push(frame);
    if (last(frame)) return frames;
  }
}

/** Subscribes (asking for `history` if given) and waits for the confirmation. */
async function subscribe(cable: RawCable, identifier: string, history?: unknown) {
  cable.send({ command: 'subscribe', identifier, ...(history ? { history } : {}) });
  const answer = await cable.frames.next((f) => f.identifier === identifier && /_subscription$/.test(f.type ?? ''));
  expect(answer).toEqual({ identifier, type: 'confirm_subscription' });
}

/** A subscription that heard one message: where its stream stood then. */
async function heardOnce(target: TestServer, identifier: string, conversation: number) {
  const cable = await extCable(target);
  await subscribe(cable, identifier);
  const id = await post(conversation, 'heard', target);
  const frame = await cable.frames.next(created(id));
  return { cable, position: positionOf(frame) };
}

const expectIncreasing = (offsets: number[]) => offsets.forEach((offset, i) => i > 0 && expect(offset).toBeGreaterThan(offsets[i - 1]!));

describe('the extended protocol', () => {
  it('is chosen when offered, greets with a session id, and sends each broadcast with its stream, epoch and offset', async () => {
    const { identifier, conversation } = await contact();
    const both = await rawCable(server.wsUrl, [PLAIN, EXT]);
    sockets.push(both);
    expect(both.socket.protocol).toBe(EXT);

    const cable = await extCable();
    expect(cable.welcome).toEqual({ type: 'welcome', sid: expect.stringMatching(/^[\w-]{22,}$/), restored: false });
    await subscribe(cable, identifier);
    // presence.update is no event of the history: no position.
    const presence = await cable.frames.next((f) => f.message?.event === 'presence.update');
    expect(Object.keys(presence).sort()).toEqual(['identifier', 'message']);

    const ids = [await post(conversation, 'one'), await post(conversation, 'two'), await post(conversation, 'three')];
    const frames = [];
    for (const id of ids) frames.push(await cable.frames.next(created(id)));
    const [first] = frames;
    for (const frame of frames) {
      expect(Object.keys(frame).sort()).toEqual(['epoch', 'identifier', 'message', 'offset', 'stream_id']);
      expect(frame).toMatchObject({ identifier, stream_id: first!.stream_id, epoch: first!.epoch });
      expect(Number.isSafeInteger(frame.offset)).toBe(true);
    }
    expect(first!.stream_id).toMatch(/^room:/);
    expect(first!.stream_id).not.toContain(JSON.parse(identifier).pubsub_token);
    expect(first!.epoch).toMatch(/^[\w-]+$/);
    expectIncreasing(frames.map((f) => f.offset));
    // The offset is the event's position in the history (its number in the account).
    const event = await server.app.database.prisma.event.findFirst({ where: { accountId: server.accountId, seq: BigInt(first!.offset) } });
    expect(event).toMatchObject({ name: 'message.created', data: expect.objectContaining({ messageId: ids[0] }) });

    // The same subscription on another connection is the same stream; another subscription is another.
    const other = await extCable();
    const second = await contact();
    await subscribe(other, identifier);
    await subscribe(other, second.identifier);
    const same = await post(conversation, 'same stream');
    const elsewhere = await post(second.conversation, 'another stream');
    expect((await other.frames.next(created(same))).stream_id).toBe(first!.stream_id);
    expect((await other.frames.next(created(elsewhere))).stream_id).not.toBe(first!.stream_id);
  });

  it('replays exactly the broadcasts missed after an offset, in order, then confirm_history, then the live ones', async () => {
    const { identifier, conversation } = await contact();
    // Stays connected throughout: what the stream broadcast.
    const control = await extCable();
    await subscribe(control, identifier);
    const { cable: away, position } = await heardOnce(server, identifier, conversation);
    await hangUp(away);
    const missed = [await post(conversation, 'a'), await post(conversation, 'b'), await post(conversation, 'c')];

    const back = await extCable();
    // `since` alone would be refused (far older than the window): the position wins.
    back.send({ command: 'subscribe', identifier, history: { since: 1, streams: streamsOf(position) } });
    const frames = await framesUntil(back, isHistoryAnswer);
    expect(frames[0]).toEqual({ identifier, type: 'confirm_subscription' });
    expect(frames.at(-1)).toEqual({ type: 'confirm_history', identifier });
    const replayed = frames.slice(1, -1);
    expect(createdIds(replayed)).toEqual(missed);
    for (const frame of replayed) expect(frame).toMatchObject({ identifier, stream_id: position.stream_id, epoch: position.epoch });
    expect(replayed[0]!.offset).toBeGreaterThan(position.offset);
    expectIncreasing(replayed.map((f) => f.offset));
    // Exactly what the stream broadcast meanwhile, no more, no less.
    const lastOffset = replayed.at(-1)!.offset;
    const broadcast = (await framesUntil(control, (f) => f.offset >= lastOffset)).filter((f) => f.offset > position.offset);
    expect(replayed).toEqual(broadcast);

    const live = await post(conversation, 'live');
    expect((await back.frames.next(created(live))).offset).toBeGreaterThan(lastOffset);
    // Asked again from the old position, the connection sends nothing it already sent.
    back.send({ command: 'history', identifier, history: { streams: streamsOf(position) } });
    expect((await framesUntil(back, isHistoryAnswer)).filter((f) => f.type !== 'ping' && f.message?.event !== 'presence.update')).toEqual([
      { type: 'confirm_history', identifier },
    ]);
  });

  it('replays what happened since a time when the client has no position in the stream', async () => {
    const { identifier, conversation } = await contact();
    // `since` is in whole seconds: start on a fresh one, so that nothing from before it is in.
    const since = Math.ceil(Date.now() / 1000);
    await new Promise((resolve) => setTimeout(resolve, since * 1000 - Date.now() + 10));
    const missed = [await post(conversation, 'first'), await post(conversation, 'second')];

    const cable = await extCable();
    cable.send({ command: 'subscribe', identifier, history: { since, streams: {} } });
    const frames = await framesUntil(cable, isHistoryAnswer);
    expect(frames.at(-1)).toEqual({ type: 'confirm_history', identifier });
    expect(createdIds(frames)).toEqual(missed);
  });

  it('rejects history it cannot serve (another epoch, an unknown offset, no such subscription) and stays subscribed', async () => {
    const { identifier, conversation } = await contact();
    const { position } = await heardOnce(server, identifier, conversation);

    const cable = await extCable();
    cable.send({ command: 'subscribe', identifier, history: { streams: streamsOf({ ...position, epoch: 'another-epoch' }) } });
    expect(await framesUntil(cable, isHistoryAnswer)).toEqual([
      { identifier, type: 'confirm_subscription' },
      { type: 'reject_history', identifier },
    ]);
    cable.send({ command: 'history', identifier, history: { streams: streamsOf({ ...position, offset: 2 ** 52 }) } });
    expect(await cable.frames.next(isHistoryAnswer)).toEqual({ type: 'reject_history', identifier });
    const unknown = JSON.stringify({ channel: 'RoomChannel', pubsub_token: 'nobody' });
    cable.send({ command: 'history', identifier: unknown, history: { since: Math.floor(Date.now() / 1000) } });
    expect(await cable.frames.next(isHistoryAnswer)).toEqual({ type: 'reject_history', identifier: unknown });

    // And a `history` command it can serve, on the running subscription.
    cable.send({ command: 'history', identifier, history: { streams: streamsOf(position) } });
    expect(await cable.frames.next(isHistoryAnswer)).toEqual({ type: 'confirm_history', identifier });
    const live = await post(conversation, 'still subscribed');
    await cable.frames.next(created(live));
  });

  it('rejects a position older than the replay window or further behind than its event limit', async () => {
    const { identifier, conversation } = await contact(limited);
    /** What a new connection subscribing with `history` gets, up to the history's answer. */
    const ask = async (history: unknown) => {
      const cable = await extCable(limited);
      cable.send({ command: 'subscribe', identifier, history });
      const frames = await framesUntil(cable, isHistoryAnswer);
      await hangUp(cable);
      return frames;
    };
    const { cable, position } = await heardOnce(limited, identifier, conversation);
    await hangUp(cable);

    // Within both limits: served.
    const missed = await post(conversation, 'within the limits', limited);
    const served = await ask({ streams: streamsOf(position) });
    expect(createdIds(served)).toEqual([missed]);
    expect(served.at(-1)).toEqual({ type: 'confirm_history', identifier });

    // Further behind than the limit: each message is at least one more event.
    for (let i = 0; i < LIMITED_EVENTS; i++) await post(conversation, `behind ${i}`, limited);
    expect(await ask({ streams: streamsOf(position) })).toEqual([
      { identifier, type: 'confirm_subscription' },
      { type: 'reject_history', identifier },
    ]);

    // Older than the window: a position with nothing after it, served at first, then refused; and a time.
    const { cable: latest, position: recent } = await heardOnce(limited, identifier, conversation);
    await hangUp(latest);
    expect((await ask({ streams: streamsOf(recent) })).at(-1)).toEqual({ type: 'confirm_history', identifier });
    await new Promise((resolve) => setTimeout(resolve, LIMITED_WINDOW_S * 1000 + 200));
    expect((await ask({ streams: streamsOf(recent) })).at(-1)).toEqual({ type: 'reject_history', identifier });
    expect((await ask({ since: Math.floor(Date.now() / 1000) - LIMITED_WINDOW_S - 2 })).at(-1)).toEqual({
      type: 'reject_history',
      identifier,
    });
  });
});

/**
 * On PostgreSQL: the embedded database runs in this process without I/O, so
 * nothing else (no HTTP request, no live broadcast) happens while a replay
 * reads it; over a real connection, live messages are created while the
 * replay runs, which is what this is about.
 */
describe('the seam between a replay and the live broadcasts', () => {
  let database: ScratchDatabase;
  let seamServer: TestServer;
  beforeAll(async () => {
    database = await createScratchDatabase(POSTGRES_ADMIN_URL, 'snypto_cable_seam');
    seamServer = await startServer({ DATABASE_URL: database.url });
  });
  afterAll(async () => {
    await seamServer?.stop();
    await database?.drop();
  });

  it('sends nothing twice and misses nothing when messages are created while a replay runs', async () => {
    const { identifier, conversation } = await contact(seamServer);
    const { cable: away, position } = await heardOnce(seamServer, identifier, conversation);
    await hangUp(away);
    // Enough missed messages that the replay takes a while.
    const missed: number[] = [];
    for (let batch = 0; batch < 15; batch++)
      missed.push(...(await Promise.all(Array.from({ length: 8 }, (_, i) => post(conversation, `missed ${batch}.${i}`, seamServer)))));
    // A plain subscriber of the same contact shares the audience: when it hears a live message, so has the replaying subscription.
    const observer = await rawCable(seamServer.wsUrl);
    sockets.push(observer);
    await subscribe(observer, identifier);
    const heardLive: number[] = [];
    observer.socket.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (isCreated(frame)) heardLive.push(performance.now());
    });

    const back = await extCable(seamServer);
    const at = { subscribed: Infinity, confirmed: Infinity };
    back.socket.on('message', (data) => {
      const { type } = JSON.parse(data.toString());
      if (type === 'confirm_subscription') at.subscribed = performance.now();
      if (type === 'confirm_history') at.confirmed = performance.now();
    });
    // Messages keep coming, from four writers at once, from before the subscribe until after the replay.
    const live: number[] = [];
    const writer = async (name: number) => {
      while (at.confirmed === Infinity) live.push(await post(conversation, `live ${name}.${live.length}`, seamServer));
      live.push(await post(conversation, `after ${name}`, seamServer));
    };
    const writing = Promise.all([1, 2, 3, 4].map(writer));
    back.send({ command: 'subscribe', identifier, history: { streams: streamsOf(position) } });
    await writing;
    const probe = await post(conversation, 'probe', seamServer);
    const frames = await framesUntil(back, created(probe));
    // The test is about the seam only if live broadcasts came while the replay ran.
    expect(heardLive.filter((time) => time > at.subscribed && time < at.confirmed).length).toBeGreaterThan(0);

    const heard = createdIds(frames);
    expect(heard).toHaveLength(new Set(heard).size);
    expect([...heard].sort((a, b) => a - b)).toEqual([...missed, ...live, probe].sort((a, b) => a - b));
    expectIncreasing(frames.filter((f) => f.offset !== undefined).map((f) => f.offset));
    // The missed ones are the replay's, before confirm_history.
    const seam = frames.findIndex((f) => f.type === 'confirm_history');
    expect(seam).toBeGreaterThan(0);
    expect(createdIds(frames.slice(0, seam))).toEqual(expect.arrayContaining(missed));
  });
});

describe('what a replay contains', () => {
  it('never gives a contact a private note, which an agent\'s replay has', async () => {
    const { identifier, conversation } = await contact();
    const profile = await adminApi(server).get('/api/v1/profile');
    const admin = { id: profile.body.id as number, pubsubToken: profile.body.pubsub_token as string };
    const adminIdentifier = agentIdentifier(admin);
    const [contactAway, adminAway] = [await extCable(), await extCable()];
    await subscribe(contactAway, identifier);
    await subscribe(adminAway, adminIdentifier);
    const heard = await post(conversation, 'heard');
    const contactPosition = positionOf(await contactAway.frames.next(created(heard)));
    const adminPosition = positionOf(await adminAway.frames.next(created(heard)));
    await Promise.all([hangUp(contactAway), hangUp(adminAway)]);

    const before = await post(conversation, 'public before');
    const note = await post(conversation, 'internal', server, { private: true });
    const after = await post(conversation, 'public after');

    const contactBack = await extCable();
    contactBack.send({ command: 'subscribe', identifier, history: { streams: streamsOf(contactPosition) } });
    expect(createdIds(await framesUntil(contactBack, isHistoryAnswer))).toEqual([before, after]);
    const adminBack = await extCable();
    adminBack.send({ command: 'subscribe', identifier: adminIdentifier, history: { streams: streamsOf(adminPosition) } });
    const adminFrames = await framesUntil(adminBack, isHistoryAnswer);
    expect(createdIds(adminFrames.filter((f) => f.message?.data.conversation_id === conversation))).toEqual([before, note, after]);
  });

  it('gives an agent nothing of an inbox they were removed from, and nothing at all once removed from the account', async () => {
    const [first, second] = [await contact(), await contact()];
    const agent = await createAgent(server);
    for (const { inboxId } of [first, second]) await addInboxMember(server, inboxId, agent.id);
    const identifier = agentIdentifier(agent);
    const { cable: away, position } = await heardOnce(server, identifier, first.conversation);
    await hangUp(away);

    const whileMember = await post(first.conversation, 'before the removal');
    const removal = await adminApi(server).patch(accountPath(server, '/inbox_members'), { inbox_id: first.inboxId, user_ids: [] });
    expect(removal.status).toBe(200);
    const afterRemoval = await post(first.conversation, 'after the removal');
    const kept = await post(second.conversation, 'still a member here');

    const back = await extCable();
    back.send({ command: 'subscribe', identifier, history: { streams: streamsOf(position) } });
    const frames = await framesUntil(back, isHistoryAnswer);
    expect(frames.at(-1)).toEqual({ type: 'confirm_history', identifier });
    expect(createdIds(frames)).toEqual([kept]);
    expect(createdIds(frames)).not.toContain(whileMember);
    expect(createdIds(frames)).not.toContain(afterRemoval);
    await hangUp(back);

    expect((await adminApi(server).delete(accountPath(server, `/agents/${agent.id}`))).status).toBe(200);
    const gone = await extCable();
    gone.send({ command: 'subscribe', identifier, history: { streams: streamsOf(position) } });
    gone.send({ command: 'history', identifier, history: { streams: streamsOf(position) } });
    expect(await framesUntil(gone, isHistoryAnswer)).toEqual([
      { identifier, type: 'reject_subscription' },
      { type: 'reject_history', identifier },
    ]);
    // Nor does restoring its session bring the subscription back.
    const restoring = await extCable(server, { query: `sid=${encodeURIComponent(back.welcome.sid)}` });
    expect(restoring.welcome).toEqual({ type: 'welcome', sid: expect.any(String), restored: false });
  });
});

describe('session restore', () => {
  it('restores a session once by its id: restored_ids, live broadcasts held until the history is asked, then flowing', async () => {
    const { identifier, conversation } = await contact();
    const { cable: away, position } = await heardOnce(server, identifier, conversation);
    const sid = away.welcome.sid as string;
    await hangUp(away);
    const missed = await post(conversation, 'while away');
    // A plain subscriber of the same contact: its broadcasts reach the restored subscription in the same loop.
    const observer = await rawCable(server.wsUrl);
    sockets.push(observer);
    await subscribe(observer, identifier);

    const back = await extCable(server, { query: `sid=${encodeURIComponent(sid)}` });
    expect(back.welcome).toEqual({ type: 'welcome', sid: expect.stringMatching(/^[\w-]{22,}$/), restored: true, restored_ids: [identifier] });
    expect(back.welcome.sid).not.toBe(sid);
    // Created after the restore, before the client asks for history: held, or it would move the client past what it missed.
    const meanwhile = await post(conversation, 'before the history request');
    await observer.frames.next(created(meanwhile));
    back.send({ command: 'history', identifier, history: { since: 1, streams: streamsOf(position) } });
    const frames = await framesUntil(back, isHistoryAnswer);
    expect(frames.filter((f) => isCreated(f) || isHistoryAnswer(f)).map((f) => (isCreated(f) ? f.message.data.id : f.type))).toEqual([
      missed,
      meanwhile,
      'confirm_history',
    ]);
    // Then live again, and the held copy of `meanwhile` is not sent twice.
    const live = await post(conversation, 'live again');
    expect(createdIds(await framesUntil(back, created(live)))).toEqual([live]);

    // Once only: the same id again restores nothing.
    const again = await extCable(server, { query: `sid=${encodeURIComponent(sid)}` });
    expect(again.welcome).toEqual({ type: 'welcome', sid: expect.any(String), restored: false });
    // The new session restores in turn, here through AnyCable's header; an unknown id restores nothing.
    await hangUp(back);
    const byHeader = await extCable(server, { headers: { 'X-ANYCABLE-RESTORE-SID': back.welcome.sid } });
    expect(byHeader.welcome).toMatchObject({ restored: true, restored_ids: [identifier] });
    const unknown = await extCable(server, { query: 'sid=no-such-session' });
    expect(unknown.welcome).toMatchObject({ restored: false });
  });

  it('gives @anycable/web every message exactly once, in order, across a cut socket', async () => {
    const { identifier, conversation } = await contact();
    const cable = createCable(`${server.wsUrl}/cable`, {
      websocketImplementation: WebSocket,
      protocol: EXT,
      logLevel: 'error',
      // Reconnect at once rather than after seconds of backoff.
      reconnectStrategy: () => 50,
    });
    cables.push(cable);
    const channel = cable.subscribeTo('RoomChannel', { pubsub_token: JSON.parse(identifier).pubsub_token });
    const received = new Inbox<Broadcast>();
    const order: number[] = [];
    channel.on('message', (message) => {
      const broadcast = message as Broadcast;
      if (broadcast.event === 'message.created') order.push(broadcast.data.id);
      received.push(broadcast);
    });
    await channel.ensureSubscribed();
    const isMine = (id: number) => (b: Broadcast) => b.event === 'message.created' && b.data.id === id;

    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push(await post(conversation, `before ${i}`));
    for (const id of ids) await received.next(isMine(id));
    const reconnected = new Promise<{ restored: boolean }>((resolve) => {
      const unbind = cable.on('connect', (event) => {
        unbind();
        resolve(event as { restored: boolean });
      });
    });
    // Cut under the client, no closing handshake; messages keep coming while it is away.
    (cable.transport as unknown as { ws: WebSocket }).ws.terminate();
    for (let i = 0; i < 3; i++) ids.push(await post(conversation, `away ${i}`));
    expect((await reconnected).restored).toBe(true);
    for (let i = 0; i < 3; i++) ids.push(await post(conversation, `after ${i}`));

    // The last one comes after any replayed one: then every message has come, each once, in order.
    await received.next(isMine(ids.at(-1)!));
    expect(order).toEqual(ids);
  });
});

describe('the plain protocol beside it', () => {
  it('keeps its frames: a bare welcome, broadcasts without position, history and pong unknown', async () => {
    const { identifier, conversation } = await contact();
    const socket = new WebSocket(`${server.wsUrl}/cable?sid=whatever`, [PLAIN, 'actioncable-unsupported']);
    const texts = new Inbox<string>();
    socket.on('message', (data) => texts.push(data.toString()));
    await new Promise((resolve) => socket.once('open', resolve));
    expect(socket.protocol).toBe(PLAIN);
    expect(await texts.next()).toBe('{"type":"welcome"}');
    const send = (frame: unknown) => socket.send(JSON.stringify(frame));

    warn.mockClear();
    // A `history` in `subscribe` is an unknown key here, ignored as Rails ignores it.
    send({ command: 'subscribe', identifier, history: { since: 1 } });
    send({ command: 'history', identifier, history: { since: 1 } });
    send({ command: 'pong' });
    expect(await texts.next((t) => t.includes('confirm_subscription'))).toBe(JSON.stringify({ identifier, type: 'confirm_subscription' }));
    const id = await post(conversation, 'plain');
    const broadcast = await texts.next((text) => created(id)(JSON.parse(text)));
    expect(broadcast.startsWith(`{"identifier":${JSON.stringify(identifier)},"message":{"event":"message.created","data":`)).toBe(true);
    expect(Object.keys(JSON.parse(broadcast))).toEqual(['identifier', 'message']);
    await texts.nothing(0, (text) => text.includes('_history') || text.includes('"offset"'));
    const problems = warn.mock.calls.filter(([, m]) => String(m).includes('frame ignored')).map(([details]) => details.problem);
    expect(problems).toEqual(['unknown command', 'unknown command']);
    socket.close();

    // The extended protocol accepts `pong` silently.
    const ext = await extCable();
    warn.mockClear();
    ext.send({ command: 'pong' });
    await subscribe(ext, identifier);
    expect(warn.mock.calls.filter(([, m]) => String(m).includes('frame ignored'))).toEqual([]);
  });
});
