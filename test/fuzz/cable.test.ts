/**
 * Generated bad input on /cable (issue 16, item 3): sequences of hostile
 * frames — garbage text, binary, JSON that is not an object, commands with
 * wrong types, identifiers of 5,000 characters, identifiers whose
 * `pubsub_token`/`account_id`/`user_id` are lone surrogates, NUL, huge
 * numbers, objects, prototype keys or 10,000 levels deep — mixed with at
 * most one valid subscribe, then a marker subscribe. Properties: every frame
 * the server sends is a JSON object; every well-formed subscribe is answered
 * (confirm or reject, its own identifier), in the order sent; the connection
 * stays open, unless the client sent more than MAX_MALFORMED_FRAMES
 * malformed frames, when it is cut off (`disconnect` invalid_request) after
 * the answers to the commands before; nothing is logged as an error; a fresh
 * connection's valid subscribe is still confirmed; /health answers.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { MAX_MALFORMED_FRAMES } from '../../src/cable/connection.ts';
import { clientInbox, openSession, startConversation } from '../support/client-api.ts';
import { createAgent } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { Entries, hostileString, hostileValue, PROTO_KEYS, Raw, writeJson, type Value } from './rest-hostile.ts';
import { FUZZ_SECONDS, fuzzParameters, fuzzTimeout } from './settings.ts';

let server: TestServer;
let valid: string;
let contactToken: string;
let agentIdentifier: { pubsub_token: string; account_id: number; user_id: number };
const logged: unknown[] = [];

beforeAll(async () => {
  server = await startServer();
  vi.spyOn(server.app.http.log, 'error').mockImplementation((...args: unknown[]) => void logged.push(args));
  const session = await openSession(server, await clientInbox(server));
  await startConversation(server, session);
  contactToken = session.pubsub_token;
  valid = JSON.stringify({ channel: 'RoomChannel', pubsub_token: contactToken });
  const agent = await createAgent(server);
  agentIdentifier = { pubsub_token: agent.pubsubToken, account_id: server.accountId, user_id: agent.id };
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

const text = (value: Value) => writeJson(value).map((part) => part.toString()).join('');

/** An identifier: the agent's or contact's params with one or more hostile values, as JSON text. */
const hostileIdentifier: fc.Arbitrary<string> = fc
  .record({
    pubsub_token: fc.oneof(fc.constant<Value>('AGENT'), hostileValue([1, 2])),
    account_id: fc.oneof(fc.constant<Value>('ACCOUNT'), hostileValue([1, 2])),
    user_id: fc.oneof(fc.constant<Value>('USER'), hostileValue([1, 2])),
    extra: fc.option(fc.tuple(fc.constantFrom(...PROTO_KEYS), hostileValue([1])), { nil: undefined }),
  })
  .map(({ pubsub_token, account_id, user_id, extra }) => {
    const own = (value: Value, key: keyof typeof agentIdentifier, placeholder: string) => (value === placeholder ? agentIdentifier[key] : value);
    const pairs: [string, Value][] = [
      ['channel', 'RoomChannel'],
      ['pubsub_token', own(pubsub_token, 'pubsub_token', 'AGENT')],
      ['account_id', own(account_id, 'account_id', 'ACCOUNT')],
      ['user_id', own(user_id, 'user_id', 'USER')],
    ];
    if (extra) pairs.push(extra);
    return text(new Entries(pairs));
  });

const identifierValue: fc.Arbitrary<Value> = fc.oneof(
  { weight: 6, arbitrary: hostileIdentifier },
  { weight: 1, arbitrary: fc.constantFrom<Value>('x'.repeat(5_000), '', '{}', 'null', '[]', '{"channel":"OtherChannel"}') },
  { weight: 1, arbitrary: hostileString.filter((s) => s.length < 5_000) },
  { weight: 1, arbitrary: fc.constantFrom<Value>(1, null, true, ['x'], new Entries([['channel', 'RoomChannel']]), new Raw(`${'['.repeat(10_000)}${']'.repeat(10_000)}`, '[10000]')) },
);

type Frame = { text: string } | { binary: Buffer };

/** One hostile frame. */
const hostileFrame: fc.Arbitrary<Frame> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({
        command: fc.oneof({ weight: 6, arbitrary: fc.constantFrom<Value>('subscribe', 'unsubscribe', 'message') }, { weight: 1, arbitrary: fc.constantFrom<Value>('__proto__', 'Subscribe', 1, null, ['subscribe']) }),
        identifier: fc.option(identifierValue, { nil: undefined, freq: 8 }),
        data: fc.option(fc.oneof(fc.constantFrom<Value>('{"action":"update_presence"}', '{"action":"__proto__"}', 'not json', 7, new Entries([['action', 'x']])), hostileString.filter((s) => s.length < 5_000)), { nil: undefined }),
        proto: fc.boolean(),
      })
      .map(({ command, identifier, data, proto }) => {
        const pairs: [string, Value][] = [['command', command]];
        if (identifier !== undefined) pairs.push(['identifier', identifier]);
        if (data !== undefined) pairs.push(['data', data]);
        if (proto) pairs.push(['__proto__', new Entries([['command', 'subscribe']])]);
        return { text: text(new Entries(pairs)) };
      }),
  },
  { weight: 2, arbitrary: hostileString.filter((s) => s.length < 20_000).map((s) => ({ text: s })) },
  { weight: 1, arbitrary: fc.constantFrom('42', 'null', '"subscribe"', '[{"command":"subscribe","identifier":"x"}]', '{', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`).map((s) => ({ text: s })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ binary: Buffer.from(bytes) })) },
)
  // Frames over 64 KB close the socket in the WebSocket layer (1009), tested in test/cable/malformed-frames.test.ts.
  .filter((frame) => ('text' in frame ? Buffer.byteLength(frame.text) : frame.binary.length) < 60_000);

/** A frame as a counterexample prints it: its start and its length, not 10,000 brackets. */
const shown = (frame: Frame) =>
  'text' in frame ? `${JSON.stringify(frame.text.slice(0, 160))}${frame.text.length > 160 ? `…(${frame.text.length})` : ''}` : `binary(${frame.binary.toString('hex')})`;

/** What the server makes of a frame (src/cable/protocol.ts's rules, restated): a command, or malformed. */
function expectation(frame: Frame): { malformed: true } | { malformed: false; subscribe?: string; unsubscribe?: string } {
  if ('binary' in frame) return { malformed: true };
  let value: unknown;
  try {
    value = JSON.parse(frame.text);
  } catch {
    return { malformed: true };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { malformed: true };
  const { command, identifier, data } = value as Record<string, unknown>;
  if (command !== 'subscribe' && command !== 'unsubscribe' && command !== 'message') return { malformed: true };
  if (typeof identifier !== 'string' || identifier.length > 4096) return { malformed: true };
  if (command === 'message' && (typeof data !== 'string' || data.length > 65_536)) return { malformed: true };
  if (command === 'subscribe') return { malformed: false, subscribe: identifier };
  return command === 'unsubscribe' ? { malformed: false, unsubscribe: identifier } : { malformed: false };
}

/**
 * Whether `answers` answer the `subscribe`/`unsubscribe` commands of
 * `commands` in order: each subscribe gets the next answer, naming its
 * identifier, except a subscribe of an identifier already confirmed and not
 * unsubscribed since, which is ignored (a duplicate). Whether a subscribe is
 * confirmed is the server's to judge (checked separately); the answers must
 * be exactly these. Returns the identifiers the answers should have named.
 */
function expectedAnswers(commands: { subscribe?: string; unsubscribe?: string }[], answers: Record<string, unknown>[]): string[] {
  const live = new Set<string>();
  const expected: string[] = [];
  for (const command of commands) {
    if (command.unsubscribe !== undefined) live.delete(command.unsubscribe);
    if (command.subscribe === undefined || live.has(command.subscribe)) continue;
    const answer = answers[expected.length];
    expected.push(command.subscribe);
    if (answer?.identifier === command.subscribe && answer.type === 'confirm_subscription') live.add(command.subscribe);
  }
  return expected;
}

interface Received {
  frames: Record<string, unknown>[];
  bad: string[];
  closed: boolean;
}

/** Opens a socket that records every frame, and whether each one was a JSON object. */
async function open(onFrame: (received: Received) => void): Promise<{ socket: WebSocket; received: Received }> {
  const socket = new WebSocket(`${server.wsUrl}/cable`, ['actioncable-v1-json']);
  const received: Received = { frames: [], bad: [], closed: false };
  socket.on('message', (data, isBinary) => {
    try {
      const frame = JSON.parse(data.toString());
      if (isBinary || typeof frame !== 'object' || frame === null || Array.isArray(frame)) throw new Error('not an object');
      received.frames.push(frame);
    } catch {
      received.bad.push(data.toString().slice(0, 200));
    }
    onFrame(received);
  });
  socket.on('close', () => {
    received.closed = true;
    onFrame(received);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, received };
}

const tokenOf = (identifier: string): unknown => {
  try {
    return (JSON.parse(identifier) as { pubsub_token?: unknown }).pubsub_token;
  } catch {
    return undefined;
  }
};

const isAnswer = (f: Record<string, unknown>) => f.type === 'confirm_subscription' || f.type === 'reject_subscription';

/** Waits until `done` holds for what the socket received (or 10 s pass). */
function until(done: (received: Received) => boolean) {
  let check: (received: Received) => void = () => undefined;
  const reached = new Promise<Received>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer within 10 s')), 10_000);
    check = (received) => {
      if (done(received)) {
        clearTimeout(timer);
        resolve(received);
      }
    };
  });
  return { reached, check: (received: Received) => check(received) };
}

let marker = 0;

it(
  'hostile frames never break /cable',
  async () => {
    const cases = fc.record({
      frames: fc.array(hostileFrame, { minLength: 1, maxLength: 14 }),
      validAt: fc.option(fc.nat(14), { nil: undefined }),
    }).map((c) => ({ ...c, [fc.toStringMethod]: () => `valid subscribe at ${c.validAt}; frames:\n  ${c.frames.map(shown).join('\n  ')}` }));
    const details = await fc.check(
      fc.asyncProperty(cases, async ({ frames, validAt }) => {
        logged.length = 0;
        const sequence: Frame[] = [...frames];
        if (validAt !== undefined) sequence.splice(validAt, 0, { text: JSON.stringify({ command: 'subscribe', identifier: valid }) });
        const markerId = `marker-${++marker}`;
        sequence.push({ text: JSON.stringify({ command: 'subscribe', identifier: markerId }) });
        // What the server reads: a lone surrogate in a text frame goes out as U+FFFD.
        const sent = sequence.map((f): Frame => ('text' in f ? { text: Buffer.from(f.text).toString() } : f));

        // The oracle: answers in order, up to the frame that breaks the malformed-frame limit.
        const commands: { subscribe?: string; unsubscribe?: string }[] = [];
        let malformed = 0;
        let cutOff = false;
        for (const frame of sent) {
          const outcome = expectation(frame);
          if (outcome.malformed && ++malformed > MAX_MALFORMED_FRAMES) {
            cutOff = true;
            break;
          }
          if (!outcome.malformed) commands.push(outcome);
        }

        const waiting = until((r) => r.closed || r.frames.some((f) => isAnswer(f) && f.identifier === markerId));
        const { socket, received } = await open(waiting.check);
        for (const frame of sent) 'text' in frame ? socket.send(frame.text) : socket.send(frame.binary, { binary: true });
        await waiting.reached;
        const answers = received.frames.filter(isAnswer);
        expect(received.bad, 'frames that are not JSON objects').toEqual([]);
        expect(answers.map((f) => f.identifier)).toEqual(expectedAnswers(commands, answers));
        // Only a real pubsub_token is ever confirmed (hostile account_id/user_id beside it are the server's to judge).
        const confirmedTokens = answers.filter((f) => f.type === 'confirm_subscription').map((f) => tokenOf(String(f.identifier)));
        expect(confirmedTokens.filter((token) => token !== contactToken && token !== agentIdentifier.pubsub_token)).toEqual([]);
        if (validAt !== undefined && commands.some((command) => command.subscribe === valid))
          expect(answers.find((f) => f.identifier === valid)?.type).toBe('confirm_subscription');
        if (cutOff) {
          expect(received.frames.at(-1)).toEqual({ type: 'disconnect', reason: 'invalid_request', reconnect: false });
          expect(received.closed).toBe(true);
        } else expect(socket.readyState).toBe(WebSocket.OPEN);
        socket.close();

        // A fresh connection is served as ever.
        const fresh = until((r) => r.closed || r.frames.some(isAnswer));
        const again = await open(fresh.check);
        again.socket.send(JSON.stringify({ command: 'subscribe', identifier: valid }));
        const confirmed = await fresh.reached;
        expect(confirmed.frames.find(isAnswer)).toEqual({ identifier: valid, type: 'confirm_subscription' });
        again.socket.close();
        if (logged.length) throw new Error(`logged as unexpected: ${JSON.stringify(logged, (_k, v) => (v instanceof Error ? v.stack : v)).slice(0, 2000)}`);
      }),
      fuzzParameters<[{ frames: Frame[]; validAt: number | undefined }]>(150),
    );
    if (FUZZ_SECONDS !== undefined) console.log(`[fuzz] cable: ${details.numRuns} cases`);
    if (details.failed) {
      const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(`${fc.defaultReportMessage(details) ?? 'property failed'}\n\nGot: ${cause}`);
    }
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  },
  fuzzTimeout(40_000),
);
