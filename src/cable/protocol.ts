/**
 * The Action Cable protocol as Chatwoot's `/cable` speaks it
 * (spec/EVENTS.md §2.1–2.2): JSON text frames under the WebSocket
 * subprotocol `actioncable-v1-json`. This file holds the frames and their
 * parsing; src/cable/connection.ts holds what a connection does with them.
 */
import { z } from 'zod';

/** The subprotocol Snypto speaks (clients also offer `actioncable-unsupported`). */
export const CABLE_PROTOCOL = 'actioncable-v1-json';

/** How often every connection is pinged, and the ping frame's clock unit (unix seconds). */
export const PING_INTERVAL_MS = 3_000;

/** Why the server closes a connection (`disconnect` frame). */
export type DisconnectReason = 'unauthorized' | 'invalid_request' | 'server_restart' | 'remote';

// Server → client frames.

/** Sent right after the upgrade. */
export const WELCOME = '{"type":"welcome"}';

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

// Client → server frames.

/** `subscribe` and `unsubscribe` name a subscription by `identifier`, a JSON string. Unknown keys are ignored, as Rails ignores them. */
const subscriptionCommand = z.object({
  command: z.enum(['subscribe', 'unsubscribe']),
  identifier: z.string().max(4096),
});

/** `message` performs an action on a subscription; `data` is a JSON string with an `action`. */
const messageCommand = z.object({
  command: z.literal('message'),
  identifier: z.string().max(4096),
  data: z.string().max(65_536),
});

export type ClientCommand = z.infer<typeof subscriptionCommand> | z.infer<typeof messageCommand>;

/** Why a client frame is not a command; logged, never sent back (Action Cable answers nothing either). */
export interface MalformedFrame {
  malformed: string;
}

/** The commands the two schemas above accept. */
const COMMANDS = new Set<string>([...subscriptionCommand.shape.command.options, messageCommand.shape.command.value]);

/**
 * A client frame's command, or why it is not one: not JSON, JSON that is not
 * an object, an unknown command, or fields missing, of the wrong type or too
 * long. The reason names the field, never its value (identifiers carry
 * pubsub tokens).
 */
export function parseCommand(frame: string): ClientCommand | MalformedFrame {
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return { malformed: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { malformed: 'not a JSON object' };
  const command = (value as { command?: unknown }).command;
  if (typeof command !== 'string' || !COMMANDS.has(command)) return { malformed: 'unknown command' };
  const parsed = (command === 'message' ? messageCommand : subscriptionCommand).safeParse(value);
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
