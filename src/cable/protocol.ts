/**
 * The Action Cable protocol as Chatwoot's `/cable` speaks it
 * (spec/EVENTS.md §2.1–2.2): JSON text frames under the WebSocket
 * subprotocol `actioncable-v1-json`; and AnyCable's extended protocol
 * (`actioncable-v1-ext-json`, what @anycable/core's `ActionCableExtendedProtocol`
 * speaks), which adds reliable streams to it:
 * - `welcome` carries a session id (`sid`) that a reconnecting client
 *   presents to get its subscriptions back (`restored`, `restored_ids`);
 * - each broadcast of an event carries its position in the subscription's
 *   stream (`stream_id`, `epoch`, `offset`);
 * - a client asks for what it missed with `history` (in `subscribe`, or as a
 *   command of its own): `{since: unix seconds, streams: {<stream_id>: {epoch, offset}}}`,
 *   answered by the missed broadcasts and `confirm_history`, or by
 *   `reject_history` when the history cannot serve it;
 * - it may answer pings with `pong`.
 * This file holds the frames and their parsing; src/cable/connection.ts
 * holds what a connection does with them.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** The subprotocol of plain Action Cable (clients also offer `actioncable-unsupported`). */
export const CABLE_PROTOCOL = 'actioncable-v1-json';

/** AnyCable's extended protocol; preferred when a client offers both. */
export const CABLE_EXT_PROTOCOL = 'actioncable-v1-ext-json';

/** How often every connection is pinged, and the ping frame's clock unit (unix seconds). */
export const PING_INTERVAL_MS = 3_000;

/** Why the server closes a connection (`disconnect` frame). */
export type DisconnectReason = 'unauthorized' | 'invalid_request' | 'server_restart' | 'remote';

// Server → client frames.

/** Sent right after the upgrade. */
export const WELCOME = '{"type":"welcome"}';

/**
 * The extended protocol's `welcome`: the connection's session id, and,
 * when a previous session's subscriptions came back, their identifiers.
 */
export const extendedWelcomeFrame = (sid: string, restoredIds?: readonly string[]): string =>
  JSON.stringify(restoredIds ? { type: 'welcome', sid, restored: true, restored_ids: restoredIds } : { type: 'welcome', sid, restored: false });

/** `{"type":"ping","message":<unix seconds>}`, every PING_INTERVAL_MS; clients treat silence as a dead connection. */
export const pingFrame = (now: Date): string => `{"type":"ping","message":${Math.floor(now.getTime() / 1000)}}`;

/** The subscription is live; `identifier` is the client's string, echoed byte for byte. */
export const confirmFrame = (identifier: string): string =>
  JSON.stringify({ identifier, type: 'confirm_subscription' });

/**
 * The subscription was refused (unknown channel or token, a malformed
 * identifier, too many subscriptions). Chatwoot stays silent instead; a reject
 * is what the official clients handle (they stop retrying that subscription).
 */
export const rejectFrame = (identifier: string): string => JSON.stringify({ identifier, type: 'reject_subscription' });

/** The server closes the connection; `reconnect` tells the client whether to come back. */
export const disconnectFrame = (reason: DisconnectReason, reconnect: boolean): string =>
  JSON.stringify({ type: 'disconnect', reason, reconnect });

/**
 * A broadcast on a subscription: `message` is the already serialised
 * `{"event": ..., "data": ...}`, shared by every recipient of the event.
 */
export const broadcastFrame = (identifier: string, message: string): string => broadcastFramer(identifier)(message);

/** `broadcastFrame` for one identifier, its part written once: a subscription's every broadcast. */
export function broadcastFramer(identifier: string): (message: string) => string {
  const head = `{"identifier":${JSON.stringify(identifier)},"message":`;
  return (message) => `${head}${message}}`;
}

/** Where a broadcast sits in its stream: the history's epoch and the event's position in it (src/events/history.ts). */
export interface StreamPosition {
  epoch: string;
  offset: number;
}

/**
 * The stream of a RoomChannel subscription, named from its identifier: the
 * same subscription gets the same name on every reconnect and instance.
 * Every subscription gets a stream of its own, even two of one account:
 * the official client keeps one position per stream name for all of a
 * connection's subscriptions, and two subscriptions sharing a name would
 * resume from each other's positions and miss events. The identifier is
 * digested, not echoed, so the name never spells out a pubsub token.
 */
export const streamIdOf = (identifier: string): string =>
  `room:${createHash('sha256').update(identifier).digest('base64url').slice(0, 22)}`;

/** `broadcastFramer` of the extended protocol: each broadcast with its position in the subscription's stream. */
export function positionedFramer(identifier: string, streamId: string): (message: string, position: StreamPosition) => string {
  const head = `{"identifier":${JSON.stringify(identifier)},"message":`;
  const stream = `,"stream_id":${JSON.stringify(streamId)},"epoch":`;
  return (message, { epoch, offset }) => `${head}${message}${stream}${JSON.stringify(epoch)},"offset":${offset}}`;
}

/** The missed broadcasts a `history` request asked for have all been sent. */
export const confirmHistoryFrame = (identifier: string): string => JSON.stringify({ type: 'confirm_history', identifier });

/** The history cannot serve a `history` request (too far back, another epoch): the client reloads instead. */
export const rejectHistoryFrame = (identifier: string): string => JSON.stringify({ type: 'reject_history', identifier });

// Client → server frames.

const identifier = z.string().max(4096);

/** `subscribe` and `unsubscribe` name a subscription by `identifier`, a JSON string. Unknown keys are ignored, as Rails ignores them. */
const subscriptionCommand = z.object({
  command: z.enum(['subscribe', 'unsubscribe']),
  identifier,
});

/** `message` performs an action on a subscription; `data` is a JSON string with an `action`. */
const messageCommand = z.object({
  command: z.literal('message'),
  identifier,
  data: z.string().max(65_536),
});

/**
 * What a client missed, as the extended protocol asks for it: the position
 * it last heard in each of the subscription's streams, and, for a stream
 * it has no position in, the time (unix seconds) it was last connected.
 */
const historyRequest = z.object({
  since: z.number().nonnegative().finite().optional(),
  streams: z
    .record(
      z.string().max(256),
      z.object({ epoch: z.string().max(64), offset: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER) }),
    )
    .refine((streams) => Object.keys(streams).length <= 64, 'too many streams')
    .optional(),
});

export type HistoryRequest = z.infer<typeof historyRequest>;

/** The extended protocol's `subscribe` may ask for history at once. */
const extendedSubscribeCommand = z.object({ command: z.literal('subscribe'), identifier, history: historyRequest.optional() });

/** The extended protocol's `history`: what a subscription missed (sent by the client after a restore). */
const historyCommand = z.object({ command: z.literal('history'), identifier, history: historyRequest.optional() });

/** The extended protocol's answer to a ping; nothing answers it. */
const pongCommand = z.object({ command: z.literal('pong') });

export type ClientCommand =
  | z.infer<typeof subscriptionCommand>
  | z.infer<typeof messageCommand>
  | z.infer<typeof extendedSubscribeCommand>
  | z.infer<typeof historyCommand>
  | z.infer<typeof pongCommand>;

/** Why a client frame is not a command; logged, never sent back (Action Cable answers nothing either). */
export interface MalformedFrame {
  malformed: string;
}

type CommandSchema = z.ZodType<ClientCommand>;

/** The commands of plain Action Cable, by name. */
const PLAIN_COMMANDS = new Map<string, CommandSchema>([
  ['subscribe', subscriptionCommand],
  ['unsubscribe', subscriptionCommand],
  ['message', messageCommand],
]);

/** The extended protocol's commands: the plain ones, `subscribe` with history, `history` and `pong`. */
const EXTENDED_COMMANDS = new Map<string, CommandSchema>([
  ...PLAIN_COMMANDS,
  ['subscribe', extendedSubscribeCommand],
  ['history', historyCommand],
  ['pong', pongCommand],
]);

/**
 * A client frame's command, or why it is not one: not JSON, JSON that is not
 * an object, an unknown command (`history` and `pong` are commands of the
 * extended protocol only), or fields missing, of the wrong type or too
 * long. The reason names the field, never its value (identifiers carry
 * pubsub tokens).
 */
export function parseCommand(frame: string, extended = false): ClientCommand | MalformedFrame {
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return { malformed: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { malformed: 'not a JSON object' };
  const command = (value as { command?: unknown }).command;
  const schema = typeof command === 'string' ? (extended ? EXTENDED_COMMANDS : PLAIN_COMMANDS).get(command) : undefined;
  if (!schema) return { malformed: 'unknown command' };
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.')))].join(', ');
  return { malformed: `invalid ${command} (${fields})` };
}

export const isMalformed = (parsed: ClientCommand | MalformedFrame): parsed is MalformedFrame => 'malformed' in parsed;

/** A JSON object from a JSON string (an identifier, a message's data), or null. */
export function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
