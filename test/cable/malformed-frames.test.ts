/**
 * /cable and frames that are not Action Cable commands, the way Action
 * Cable's `dispatch_websocket_message` treats them: logged and ignored, the
 * connection open and pinged; every command answered, in the order sent,
 * even when a subscription waits on the database; a client that keeps
 * sending garbage (or floods commands) cut off by a rate limit, after the
 * answers to its earlier commands. A subscription the server fails to set
 * up (the database) is answered by nothing, as in Action Cable, and kept by
 * nothing, so the client's retry is served: that failure is injected into a
 * connection of its own, the real server having no switch for it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { WebSocket } from 'ws';
import { CableConnection, MAX_FRAMES, MAX_MALFORMED_FRAMES, RATE_WINDOW_MS, type ConnectionDeps } from '../../src/cable/connection.ts';
import { officialConsumer, rawCable, subscribeRoom } from '../support/cable.ts';
import { clientInbox, openSession, startConversation } from '../support/client-api.ts';
import { accountPath, adminApi } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let warn: MockInstance;

beforeAll(async () => {
  server = await startServer();
  // The cable connections log through the app's logger (silent in tests): its calls are what was logged.
  warn = vi.spyOn(server.app.http.log, 'warn');
});
beforeEach(() => warn.mockClear());
afterAll(async () => {
  warn?.mockRestore();
  await server?.stop();
});

async function contactSession() {
  const session = await openSession(server, await clientInbox(server));
  return { pubsubToken: session.pubsub_token, conversationId: await startConversation(server, session) };
}

const identifierFor = (token: string) => JSON.stringify({ channel: 'RoomChannel', pubsub_token: token });
const isAnswer = (f: { type?: string }) =>
  f.type === 'confirm_subscription' || f.type === 'reject_subscription' || f.type === 'disconnect';
const isPing = (f: { type?: string }) => f.type === 'ping';

/** What the connection logged as ignored frames. */
const loggedProblems = () =>
  warn.mock.calls.filter(([, message]) => String(message).includes('frame ignored')).map(([details]) => (details as { problem: string }).problem);

/** The next ping that arrives on the socket from now on (not one already queued). */
const nextPing = (socket: WebSocket) =>
  new Promise<void>((resolve) => {
    const listener = (data: Buffer) => {
      if (isPing(JSON.parse(data.toString()))) {
        socket.off('message', listener);
        resolve();
      }
    };
    socket.on('message', listener);
  });

describe('a malformed frame', () => {
  it('does not swallow the answer to the command before it, nor close the connection (the issue\'s scenario)', async () => {
    const session = await contactSession();
    const cable = await rawCable(server.wsUrl);
    await cable.frames.next((f) => f.type === 'welcome');
    const unknown = identifierFor('unknown-token');
    cable.subscribe(unknown);
    cable.send('{not json');
    expect(await cable.frames.next(isAnswer)).toEqual({ identifier: unknown, type: 'reject_subscription' });

    const valid = identifierFor(session.pubsubToken);
    cable.subscribe(valid);
    expect(await cable.frames.next(isAnswer)).toEqual({ identifier: valid, type: 'confirm_subscription' });
    await nextPing(cable.socket);
    expect(cable.socket.readyState).toBe(WebSocket.OPEN);
    expect(loggedProblems()).toEqual(['not JSON']);

    // Still subscribed: the agent's reply arrives.
    const reply = await adminApi(server).post(accountPath(server, `/conversations/${session.conversationId}/messages`), { content: 'still here' });
    expect(await cable.frames.next((f) => f.message?.event === 'message.created')).toMatchObject({
      identifier: valid,
      message: { data: { id: reply.body.id } },
    });
    cable.close();
  });

  for (const [what, frame, problem] of [
    ['a frame that is not JSON', '{"command":', 'not JSON'],
    ['an empty frame', '', 'not JSON'],
    ['a JSON string', '"subscribe"', 'not a JSON object'],
    ['a JSON number', '42', 'not a JSON object'],
    ['JSON null', 'null', 'not a JSON object'],
    ['a JSON array of commands', '[{"command":"subscribe","identifier":"{}"}]', 'not a JSON object'],
    ['an unknown command', { command: 'shout', identifier: '{}' }, 'unknown command'],
    ['a command that is not a string', { command: 1, identifier: '{}' }, 'unknown command'],
    ['no command', { identifier: '{}' }, 'unknown command'],
    ['a prototype key as command', { command: '__proto__', identifier: '{}' }, 'unknown command'],
    ['a subscribe without identifier', { command: 'subscribe' }, 'invalid subscribe (identifier)'],
    ['an identifier that is not a string', { command: 'subscribe', identifier: { channel: 'RoomChannel' } }, 'invalid subscribe (identifier)'],
    ['an identifier longer than 4096 characters', { command: 'unsubscribe', identifier: `"${'x'.repeat(4096)}"` }, 'invalid unsubscribe (identifier)'],
    ['a message without data', { command: 'message', identifier: '{}' }, 'invalid message (data)'],
    ['a message whose data is not a string', { command: 'message', identifier: '{}', data: { action: 'update_presence' } }, 'invalid message (data)'],
    ['a binary frame', Buffer.from('{"command":"subscribe","identifier":"{}"}'), 'binary frame'],
  ] as const)
    it(`is logged and ignored: ${what}`, async () => {
      const cable = await rawCable(server.wsUrl);
      await cable.frames.next((f) => f.type === 'welcome');
      if (Buffer.isBuffer(frame)) cable.socket.send(frame, { binary: true });
      else cable.send(frame);
      // The next command is answered, and nothing else was: no disconnect.
      cable.subscribe('after');
      expect(await cable.frames.next(isAnswer)).toEqual({ identifier: 'after', type: 'reject_subscription' });
      expect(cable.socket.readyState).toBe(WebSocket.OPEN);
      expect(loggedProblems()).toEqual([problem]);
      cable.close();
    });

  it('larger than 64 KB, or a text frame that is not UTF-8, closes the socket as the WebSocket layer must (1009, 1007)', async () => {
    const big = await rawCable(server.wsUrl);
    big.send({ command: 'subscribe', identifier: 'x'.repeat(64 * 1024) });
    expect(await big.closedWith).toBe(1009);
    const garbled = await rawCable(server.wsUrl);
    garbled.socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect(await garbled.closedWith).toBe(1007);
  });
});

describe('commands of one connection', () => {
  it('are answered in the order they were sent, a subscription waiting on the database included', async () => {
    const session = await contactSession();
    const cable = await rawCable(server.wsUrl);
    const valid = identifierFor(session.pubsubToken);
    const unknown = identifierFor('unknown-token');
    // The valid one waits on the database longest, the malformed identifier not at all.
    cable.subscribe(valid);
    cable.subscribe('not json');
    cable.send('garbage');
    cable.subscribe(unknown);
    const answers = [await cable.frames.next(isAnswer), await cable.frames.next(isAnswer), await cable.frames.next(isAnswer)];
    expect(answers).toEqual([
      { identifier: valid, type: 'confirm_subscription' },
      { identifier: 'not json', type: 'reject_subscription' },
      { identifier: unknown, type: 'reject_subscription' },
    ]);
    cable.close();
  });

  it('see the subscription a subscribe sent just before set up: update_presence and unsubscribe right after it', async () => {
    const session = await contactSession();
    const cable = await rawCable(server.wsUrl);
    const identifier = identifierFor(session.pubsubToken);
    cable.subscribe(identifier);
    cable.send({ command: 'message', identifier, data: JSON.stringify({ action: 'update_presence' }) });
    cable.send({ command: 'unsubscribe', identifier });
    cable.subscribe(identifier);
    const isPresence = (f: any) => f.message?.event === 'presence.update';
    // subscribe → confirm + presence; update_presence → presence; unsubscribe; subscribe again → confirm + presence.
    expect(await cable.frames.next(isAnswer)).toEqual({ identifier, type: 'confirm_subscription' });
    for (let i = 0; i < 3; i++) expect(await cable.frames.next(isPresence)).toMatchObject({ identifier });
    expect(await cable.frames.next(isAnswer)).toEqual({ identifier, type: 'confirm_subscription' });
    cable.close();
  });
});

describe('the rate limit', () => {
  const cutOff = { type: 'disconnect', reason: 'invalid_request', reconnect: false };

  it(`cuts off a client after ${MAX_MALFORMED_FRAMES} malformed frames within ${RATE_WINDOW_MS / 1000} s, not before`, async () => {
    const cable = await rawCable(server.wsUrl);
    for (let i = 0; i < MAX_MALFORMED_FRAMES; i++) cable.send(`garbage ${i}`);
    cable.subscribe('still open');
    expect(await cable.frames.next(isAnswer)).toEqual({ identifier: 'still open', type: 'reject_subscription' });
    expect(cable.socket.readyState).toBe(WebSocket.OPEN);

    cable.send('one too many');
    expect(await cable.frames.next(isAnswer)).toEqual(cutOff);
    expect(await cable.closedWith).toBe(1008);
    expect(loggedProblems()).toHaveLength(MAX_MALFORMED_FRAMES + 1);
    expect(warn.mock.calls.some(([, message]) => message === '/cable connection cut off')).toBe(true);
  });

  it('answers the commands sent before the frame that cuts the client off, then disconnects', async () => {
    const session = await contactSession();
    const cable = await rawCable(server.wsUrl);
    const valid = identifierFor(session.pubsubToken);
    const unknown = identifierFor('unknown-token');
    cable.subscribe(valid);
    cable.subscribe(unknown);
    for (let i = 0; i <= MAX_MALFORMED_FRAMES; i++) cable.send(`garbage ${i}`);
    cable.subscribe('after the cut');
    expect(await cable.frames.next((f) => isAnswer(f) || f.message?.event === 'presence.update')).toEqual({
      identifier: valid,
      type: 'confirm_subscription',
    });
    expect(await cable.frames.next((f) => isAnswer(f) || f.message?.event === 'presence.update')).toMatchObject({
      identifier: valid,
      message: { event: 'presence.update' },
    });
    expect(await cable.frames.next(isAnswer)).toEqual({ identifier: unknown, type: 'reject_subscription' });
    expect(await cable.frames.next(isAnswer)).toEqual(cutOff);
    expect(await cable.closedWith).toBe(1008);
    // Closed: every frame the server sent has arrived, and no answer came after the disconnect.
    await cable.frames.nothing(0, (f) => f.identifier === 'after the cut');
  });

  it(`counts malformed frames per window: ${MAX_MALFORMED_FRAMES} now and ${MAX_MALFORMED_FRAMES} after the window are allowed`, async () => {
    const cable = await rawCable(server.wsUrl);
    for (let i = 0; i < MAX_MALFORMED_FRAMES; i++) cable.send(`garbage ${i}`);
    cable.subscribe('first window');
    expect(await cable.frames.next(isAnswer)).toMatchObject({ identifier: 'first window' });
    // The window runs on the server's performance.now() (this process's): moved a window on instead of waiting one out.
    const realNow = performance.now.bind(performance);
    const movedClock = vi.spyOn(performance, 'now').mockImplementation(() => realNow() + RATE_WINDOW_MS);
    try {
      for (let i = 0; i < MAX_MALFORMED_FRAMES; i++) cable.send(`garbage ${i}`);
      cable.subscribe('second window');
      expect(await cable.frames.next(isAnswer)).toMatchObject({ identifier: 'second window' });
      expect(cable.socket.readyState).toBe(WebSocket.OPEN);
    } finally {
      movedClock.mockRestore();
      cable.close();
    }
  });

  it(`cuts off a client sending more than ${MAX_FRAMES} frames within ${RATE_WINDOW_MS / 1000} s, valid or not`, async () => {
    const cable = await rawCable(server.wsUrl);
    for (let i = 0; i < MAX_FRAMES - 1; i++) cable.send({ command: 'unsubscribe', identifier: `{"n":${i}}` });
    cable.subscribe('last allowed');
    expect(await cable.frames.next(isAnswer)).toEqual({ identifier: 'last allowed', type: 'reject_subscription' });
    cable.send({ command: 'unsubscribe', identifier: '{}' });
    expect(await cable.frames.next(isAnswer)).toEqual(cutOff);
    expect(await cable.closedWith).toBe(1008);
  });
});

describe('with the official @rails/actioncable client', () => {
  it('keeps the subscription and the connection after a malformed frame, and subscribes again', async () => {
    const session = await contactSession();
    const consumer = officialConsumer(server.wsUrl);
    try {
      const room = subscribeRoom(consumer, { pubsub_token: session.pubsubToken });
      expect(await room.outcome).toBe('connected');
      const socket = (consumer as unknown as { connection: { webSocket: WebSocket } }).connection.webSocket;
      socket.send('{not json');
      // The client's own send writes any value as JSON.
      (consumer as unknown as { send(data: unknown): boolean }).send('a JSON string');

      const again = subscribeRoom(consumer, { pubsub_token: session.pubsubToken, after: 'garbage' });
      expect(await again.outcome).toBe('connected');
      const reply = await adminApi(server).post(accountPath(server, `/conversations/${session.conversationId}/messages`), { content: 'after garbage' });
      for (const subscription of [room, again])
        expect(await subscription.received.next((b) => b.event === 'message.created')).toMatchObject({ data: { id: reply.body.id } });
      expect(loggedProblems()).toEqual(['not JSON', 'not a JSON object']);
      await room.disconnected.nothing(0);
      expect((consumer as unknown as { connection: { webSocket: WebSocket } }).connection.webSocket).toBe(socket);
    } finally {
      consumer.disconnect();
    }
  });
});

describe('when the server fails to set up a subscription', () => {
  /** A connection on a fake socket whose lookups fail as the test says; what it sends is recorded. */
  function connectionWith(room: Partial<ConnectionDeps['room']>, audiences: Partial<ConnectionDeps['audiences']> = {}) {
    const sent: any[] = [];
    const errors: unknown[] = [];
    const leave = vi.fn();
    const socket = { OPEN: 1, readyState: 1, send: (frame: string) => sent.push(JSON.parse(frame)), close: vi.fn() };
    const deps = {
      room,
      audiences: { join: async () => true, leave, ...audiences },
      presence: { refresh: async () => null },
      onError: (error: unknown) => errors.push(error),
      log: { warn: vi.fn() },
    } as unknown as ConnectionDeps;
    const connection = new CableConnection(socket as unknown as WebSocket, deps);
    const subscribe = (identifier: string) => connection.onFrame(Buffer.from(JSON.stringify({ command: 'subscribe', identifier })), false);
    const settled = () => vi.waitFor(() => expect(sent.length + errors.length).toBeGreaterThanOrEqual(2));
    return { sent, errors, leave, subscribe, settled };
  }
  const caller = { principal: { kind: 'contact', contactId: 1, accountId: 1 } };
  const identifier = identifierFor('token');

  it('answers nothing, logs, keeps nothing, and confirms the client\'s retry', async () => {
    const callerOf = vi.fn().mockRejectedValueOnce(new Error('database down')).mockResolvedValue(caller);
    const { sent, errors, subscribe, settled } = connectionWith({ callerOf });
    subscribe(identifier);
    subscribe(identifier);
    await settled();
    expect(errors).toEqual([new Error('database down')]);
    expect(sent).toEqual([{ identifier, type: 'confirm_subscription' }]);
  });

  it('leaves nothing in the audiences when joining fails', async () => {
    const join = vi.fn().mockRejectedValueOnce(new Error('database down')).mockResolvedValue(true);
    const { sent, errors, leave, subscribe, settled } = connectionWith({ callerOf: async () => caller as never }, { join });
    subscribe(identifier);
    subscribe(identifier);
    await settled();
    expect(errors).toEqual([new Error('database down')]);
    expect(leave).toHaveBeenCalledTimes(1);
    expect(leave.mock.calls[0]![0]).toBe(join.mock.calls[0]![0]);
    expect(sent).toEqual([{ identifier, type: 'confirm_subscription' }]);
  });
});
