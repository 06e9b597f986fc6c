/**
 * One /cable connection: the Action Cable commands of spec/EVENTS.md §2.2
 * and what answers them. `subscribe` starts a RoomChannel subscription and
 * confirms it (or rejects it); a second `subscribe` with the same identifier
 * is ignored; `unsubscribe` ends one; `message` performs an action
 * (`update_presence`).
 *
 * Commands run one after another, each finished (answered) before the next
 * starts, as Action Cable runs a connection's commands: answers come in
 * command order even though a subscription waits on the database, and a
 * `message` sent right after its `subscribe` finds the subscription.
 *
 * A frame that is not a command (not JSON, not an object, an unknown
 * command, fields missing, mistyped or too long, a binary frame) is logged
 * and ignored, as Action Cable's `dispatch_websocket_message` does: the
 * connection stays open. Only a client that keeps doing it is cut off
 * (MAX_MALFORMED_FRAMES), as is one that floods commands (MAX_FRAMES), with
 * `disconnect` `invalid_request`, no reconnect, once every earlier command
 * is answered. Idle connections hold no timer, no promise and no
 * subscription state: the limits are counters read when a frame arrives.
 */
import type { RawData, WebSocket } from 'ws';
import {
  broadcastFrame,
  broadcastFramer,
  confirmFrame,
  disconnectFrame,
  isMalformed,
  parseCommand,
  parseObject,
  rejectFrame,
  type ClientCommand,
  type DisconnectReason,
} from './protocol.ts';
import type { AudienceMember, Audiences } from './audiences.ts';
import type { RoomCaller, RoomChannel } from './room-channel.ts';
import type { Presence } from './presence.ts';

/** Subscriptions one connection may hold (Chatwoot's clients hold one). */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 20;

/** The window the frame limits below count in; it starts at the first frame after the previous one ended. */
export const RATE_WINDOW_MS = 10_000;

/**
 * Malformed frames a connection may send within RATE_WINDOW_MS; the next
 * one cuts it off. One mistake (a client bug, a proxy's stray frame) costs
 * nothing; a client that keeps sending garbage stops costing log lines.
 */
export const MAX_MALFORMED_FRAMES = 10;

/**
 * Frames of any kind a connection may send within RATE_WINDOW_MS; the next
 * one cuts it off. Far above what the official clients send (a `subscribe`
 * per channel, re-sent every 500 ms until answered, and `update_presence`
 * every 20 s), it bounds the commands one connection can queue up.
 */
export const MAX_FRAMES = 1_000;

/** Where a connection reports what it ignores or cannot do; pino's logger fits. */
export interface CableLog {
  warn(details: Record<string, unknown>, message: string): void;
}

export interface ConnectionDeps {
  room: RoomChannel;
  audiences: Audiences;
  presence: Presence;
  /** A command failed on the server's side (the database, presence); it is logged and the next command runs. */
  onError: (error: unknown) => void;
  /** Malformed frames and cut-off connections are reported here. */
  log: CableLog;
}

const byteLength = (data: RawData): number =>
  Array.isArray(data) ? data.reduce((sum, part) => sum + part.byteLength, 0) : data.byteLength;

export class CableConnection {
  /** The running subscriptions by identifier, once the first `subscribe` arrives. */
  private slots: Map<string, AudienceMember> | undefined;
  private closed = false;
  /** Cut off: a `disconnect` is on its way, later frames are dropped. */
  private refusing = false;
  /** The last command still running, if any; undefined when idle. */
  private tail: Promise<void> | undefined;
  /** The current rate window: when it started (performance.now()), its frames and malformed frames. */
  private windowStart = -Infinity;
  private frames = 0;
  private malformed = 0;

  constructor(
    readonly socket: WebSocket,
    private readonly deps: ConnectionDeps,
  ) {}

  send(frame: string): void {
    if (!this.closed && this.socket.readyState === this.socket.OPEN) this.socket.send(frame);
  }

  /** Sends `disconnect` and closes the socket. */
  disconnect(reason: DisconnectReason, reconnect: boolean): void {
    this.send(disconnectFrame(reason, reconnect));
    this.socket.close(reconnect ? 1012 : 1008, reason);
    this.closed = true;
    this.stopAll();
  }

  /** The socket closed: every subscription ends, and commands still queued do nothing. */
  onClose(): void {
    this.closed = true;
    this.stopAll();
  }

  onFrame(data: RawData, isBinary: boolean): void {
    if (this.closed || this.refusing) return;
    const now = performance.now();
    if (now - this.windowStart >= RATE_WINDOW_MS) {
      this.windowStart = now;
      this.frames = 0;
      this.malformed = 0;
    }
    if (++this.frames > MAX_FRAMES) return this.cutOff(`more than ${MAX_FRAMES} frames in ${RATE_WINDOW_MS} ms`);
    const parsed = isBinary ? { malformed: 'binary frame' } : parseCommand(data.toString());
    if (!isMalformed(parsed)) return this.schedule(() => this.execute(parsed));
    // The frame itself is not logged: identifiers carry pubsub tokens.
    this.deps.log.warn({ problem: parsed.malformed, bytes: byteLength(data) }, '/cable frame ignored: not an Action Cable command');
    if (++this.malformed > MAX_MALFORMED_FRAMES)
      this.cutOff(`more than ${MAX_MALFORMED_FRAMES} malformed frames in ${RATE_WINDOW_MS} ms`);
  }

  /** Drops every later frame and disconnects once the commands before are answered. */
  private cutOff(why: string): void {
    this.refusing = true;
    this.deps.log.warn({ reason: why }, '/cable connection cut off');
    this.schedule(() => this.disconnect('invalid_request', false));
  }

  /**
   * Runs `run` once the commands before it are done: at once when none is
   * pending (no promise for a synchronous command on an idle connection),
   * else chained after the last. A failed command is logged and the chain
   * goes on.
   */
  private schedule(run: () => Promise<void> | void): void {
    if (this.tail) return this.follow(this.tail.then(run));
    let result: Promise<void> | void;
    try {
      result = run();
    } catch (error) {
      return this.deps.onError(error);
    }
    if (result) this.follow(result);
  }

  private follow(pending: Promise<void>): void {
    const tail: Promise<void> = pending.then(undefined, this.deps.onError).then(() => {
      if (this.tail === tail) this.tail = undefined;
    });
    this.tail = tail;
  }

  private execute(command: ClientCommand): Promise<void> | void {
    if (this.closed) return;
    if (command.command === 'message') return this.perform(command.identifier, command.data);
    if (command.command === 'subscribe') return this.subscribe(command.identifier);
    return this.unsubscribe(command.identifier);
  }

  /**
   * Confirms or rejects, then announces presence. When the server fails
   * (the database), nothing is answered, as Action Cable answers nothing
   * when `subscribed` raises, and nothing is kept: the official client
   * re-sends the `subscribe` until it is answered.
   */
  private async subscribe(identifier: string): Promise<void> {
    const slots = (this.slots ??= new Map());
    if (slots.has(identifier)) return; // a duplicate subscribe is ignored
    const params = parseObject(identifier);
    if (!params || params.channel !== 'RoomChannel' || slots.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION)
      return this.send(rejectFrame(identifier));
    const caller = await this.deps.room.callerOf(params);
    const frame = broadcastFramer(identifier);
    const member: AudienceMember | null = caller && { caller, deliver: (message) => this.send(frame(message)) };
    const joined = member !== null && (await this.join(member));
    if (this.closed) {
      // Closed meanwhile: nothing to answer.
      if (joined) this.deps.audiences.leave(member);
      return;
    }
    if (!joined) return this.send(rejectFrame(identifier));
    slots.set(identifier, member);
    this.send(confirmFrame(identifier));
    await this.announcePresence(identifier, member.caller);
  }

  /** Joins the member's audience; a failure leaves nothing of the member behind. */
  private async join(member: AudienceMember): Promise<boolean> {
    try {
      return await this.deps.audiences.join(member);
    } catch (error) {
      this.deps.audiences.leave(member);
      throw error;
    }
  }

  private unsubscribe(identifier: string): void {
    const member = this.slots?.get(identifier);
    if (!member) return;
    this.slots!.delete(identifier);
    this.deps.audiences.leave(member);
  }

  /** `message`: the only action RoomChannel has is `update_presence`; others are ignored, as Rails ignores them. */
  private perform(identifier: string, data: string): Promise<void> | void {
    const member = this.slots?.get(identifier);
    if (!member || parseObject(data)?.action !== 'update_presence') return;
    return this.announcePresence(identifier, member.caller);
  }

  /** Records the caller as present and sends them who else is (`presence.update`). */
  private async announcePresence(identifier: string, caller: RoomCaller): Promise<void> {
    const message = await this.deps.presence.refresh(caller);
    if (message) this.send(broadcastFrame(identifier, message));
  }

  private stopAll(): void {
    for (const member of this.slots?.values() ?? []) this.deps.audiences.leave(member);
    this.slots?.clear();
  }
}
