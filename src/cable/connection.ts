/**
 * One /cable connection: the Action Cable commands of spec/EVENTS.md §2.2
 * and what answers them. `subscribe` starts a RoomChannel subscription and
 * confirms it (or rejects it); a second `subscribe` with the same identifier
 * is ignored; `unsubscribe` ends one; `message` performs an action
 * (`update_presence`).
 *
 * A connection that speaks AnyCable's extended protocol (protocol.ts) also
 * has a session: a `welcome` with its id, its subscriptions remembered when
 * it closes and restored for a client that reconnects with that id
 * (sessions.ts; each restored identifier's credentials are checked again),
 * broadcasts with their positions, `history` requests answered by a replay
 * (replay.ts) that meets the live broadcasts with no gap and nothing twice
 * (subscription-stream.ts), and `pong`s accepted. A plain connection's
 * frames are exactly Action Cable's.
 *
 * Commands run one after another, each finished (answered) before the next
 * starts, as Action Cable runs a connection's commands: answers come in
 * command order even though a subscription waits on the database, and a
 * `message` sent right after its `subscribe` finds the subscription. A
 * restore runs first, before any command, and ends with the `welcome`.
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
import { HistoryUnavailableError } from '../events/history.ts';
import {
  WELCOME,
  broadcastFrame,
  broadcastFramer,
  confirmFrame,
  confirmHistoryFrame,
  disconnectFrame,
  extendedWelcomeFrame,
  isMalformed,
  parseCommand,
  parseObject,
  rejectFrame,
  rejectHistoryFrame,
  type ClientCommand,
  type DisconnectReason,
  type HistoryRequest,
} from './protocol.ts';
import type { AudienceMember, Audiences } from './audiences.ts';
import type { RoomCaller, RoomChannel } from './room-channel.ts';
import type { Presence } from './presence.ts';
import { resumeOf, type CableReplay } from './replay.ts';
import type { CableSessions } from './sessions.ts';
import { SubscriptionStream } from './subscription-stream.ts';

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
  /** Replays what a subscription missed (extended protocol). */
  replay: CableReplay;
  /** Closed extended-protocol sessions, for restoring them. */
  sessions: CableSessions;
  /** A command failed on the server's side (the database, presence); it is logged and the next command runs. */
  onError: (error: unknown) => void;
  /** Malformed frames and cut-off connections are reported here. */
  log: CableLog;
}

const byteLength = (data: RawData): number =>
  Array.isArray(data) ? data.reduce((sum, part) => sum + part.byteLength, 0) : data.byteLength;

/** A running subscription; on an extended connection, with its stream. */
interface Slot extends AudienceMember {
  stream?: SubscriptionStream;
}

export class CableConnection {
  /** The running subscriptions by identifier, once the first `subscribe` arrives. */
  private slots: Map<string, Slot> | undefined;
  /** The session id of an extended-protocol connection; undefined on a plain one. */
  private sid: string | undefined;
  private closed = false;
  /** Cut off: a `disconnect` is on its way, later frames are dropped. */
  private refusing = false;
  /** The last command still running, if any; undefined when idle. */
  private tail: Promise<void> | undefined;
  /** The current rate window: when it started (performance.now()), its frames and malformed frames. */
  private windowStart = -Infinity;
  private frames = 0;
  private malformed = 0;

  /** `extended`: the connection speaks AnyCable's extended protocol. */
  constructor(
    readonly socket: WebSocket,
    private readonly deps: ConnectionDeps,
    private readonly extended = false,
  ) {}

  /**
   * Greets the client. An extended connection gets a session; presenting
   * `restoreSid`, the id of a session this instance remembers, it gets that
   * session's subscriptions back first (its commands wait meanwhile).
   */
  open(restoreSid?: string): void {
    if (!this.extended) return this.send(WELCOME);
    const sid = (this.sid = this.deps.sessions.newSid());
    const identifiers = restoreSid === undefined ? undefined : this.deps.sessions.take(restoreSid);
    if (!identifiers) return this.send(extendedWelcomeFrame(sid));
    this.schedule(() => this.restore(sid, identifiers));
  }

  send(frame: string): void {
    if (!this.closed && this.socket.readyState === this.socket.OPEN) this.socket.send(frame);
  }

  /** Sends `disconnect` and closes the socket; its session is not kept (the official client forgets it too). */
  disconnect(reason: DisconnectReason, reconnect: boolean): void {
    this.send(disconnectFrame(reason, reconnect));
    this.socket.close(reconnect ? 1012 : 1008, reason);
    this.closed = true;
    this.stopAll();
  }

  /** The socket closed: an extended session is remembered, every subscription ends, and commands still queued do nothing. */
  onClose(): void {
    if (!this.closed && this.sid !== undefined && this.slots) this.deps.sessions.remember(this.sid, [...this.slots.keys()]);
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
    const parsed = isBinary ? { malformed: 'binary frame' } : parseCommand(data.toString(), this.extended);
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
    switch (command.command) {
      case 'message':
        return this.perform(command.identifier, command.data);
      case 'subscribe':
        return this.subscribe(command.identifier, 'history' in command ? command.history : undefined);
      case 'unsubscribe':
        return this.unsubscribe(command.identifier);
      case 'history':
        return this.answerHistory(command.identifier, command.history);
      case 'pong':
        return;
    }
  }

  /**
   * Confirms or rejects, replays the history asked for (extended protocol),
   * then announces presence. When the server fails (the database), nothing
   * is answered, as Action Cable answers nothing when `subscribed` raises,
   * and nothing is kept: the official client re-sends the `subscribe` until
   * it is answered.
   */
  private async subscribe(identifier: string, history?: HistoryRequest): Promise<void> {
    const slots = (this.slots ??= new Map());
    if (slots.has(identifier)) return; // a duplicate subscribe is ignored
    const params = parseObject(identifier);
    if (!params || params.channel !== 'RoomChannel' || slots.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION)
      return this.send(rejectFrame(identifier));
    const caller = await this.deps.room.callerOf(params);
    const slot = caller && this.slotOf(identifier, caller);
    // Live broadcasts wait for the replay from the moment the subscription can hear them.
    const replaying = history !== undefined && slot?.stream !== undefined;
    if (replaying) slot!.stream!.hold();
    const joined = slot !== null && (await this.attach(identifier, slot));
    if (this.closed) return;
    if (!joined) return this.send(rejectFrame(identifier));
    this.send(confirmFrame(identifier));
    if (replaying) await this.replay(identifier, slot, history);
    await this.announcePresence(identifier, slot.caller);
  }

  /** A subscription for the caller, framing its broadcasts in the connection's protocol. */
  private slotOf(identifier: string, caller: RoomCaller): Slot {
    if (!this.extended) {
      const frame = broadcastFramer(identifier);
      return { caller, deliver: (message) => this.send(frame(message)) };
    }
    const stream = new SubscriptionStream(identifier, (frame) => this.send(frame));
    const plain = broadcastFramer(identifier);
    return { caller, stream, deliver: (message, position) => (position ? stream.live(message, position) : this.send(plain(message))) };
  }

  /** Joins the slot's audience and keeps it; false when it hears nothing. Closed meanwhile: nothing is kept. */
  private async attach(identifier: string, slot: Slot): Promise<boolean> {
    let joined: boolean;
    try {
      joined = await this.join(slot);
    } catch (error) {
      slot.stream?.close();
      throw error;
    }
    if (this.closed || !joined) {
      if (joined) this.deps.audiences.leave(slot);
      slot.stream?.close();
      return false;
    }
    this.slots!.set(identifier, slot);
    return true;
  }

  /**
   * Brings a closed session's subscriptions back (those whose identifiers
   * still name somebody who hears something), sends the `welcome` saying
   * which, and announces presence for them as a `subscribe` would. Each
   * holds its live broadcasts until its client asks for what it missed. One
   * that the server fails to bring back (the database) is logged and left
   * out: the client subscribes to it again.
   */
  private async restore(sid: string, identifiers: readonly string[]): Promise<void> {
    const slots = (this.slots ??= new Map());
    const restored: string[] = [];
    for (const identifier of identifiers) {
      if (this.closed) return;
      if (slots.has(identifier) || slots.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION) continue;
      try {
        if (await this.restoreOne(identifier)) restored.push(identifier);
      } catch (error) {
        this.deps.onError(error);
      }
    }
    if (this.closed) return;
    this.send(extendedWelcomeFrame(sid, restored.length > 0 ? restored : undefined));
    for (const identifier of restored) {
      const slot = slots.get(identifier);
      if (slot) await this.announcePresence(identifier, slot.caller);
    }
  }

  /** Subscribes again to one identifier of a restored session, its credentials checked again; false when they name nobody now. */
  private async restoreOne(identifier: string): Promise<boolean> {
    const params = parseObject(identifier);
    const caller = params && params.channel === 'RoomChannel' ? await this.deps.room.callerOf(params) : null;
    if (!caller || this.closed) return false;
    const slot = this.slotOf(identifier, caller);
    slot.stream?.holdUntilAsked();
    return this.attach(identifier, slot);
  }

  /** `history`: what a running subscription missed; a subscription this connection does not hold has none. */
  private async answerHistory(identifier: string, history: HistoryRequest | undefined): Promise<void> {
    const slot = this.slots?.get(identifier);
    if (!slot?.stream) return this.send(rejectHistoryFrame(identifier));
    slot.stream.hold();
    await this.replay(identifier, slot, history);
  }

  /**
   * Sends the broadcasts the subscription missed, then `confirm_history`,
   * then the live broadcasts held meanwhile; `reject_history` instead when
   * the history cannot serve the request (or the server fails to read it).
   * The caller put the stream on hold (a `subscribe` does so before it
   * joins the audience); the hold ends here.
   */
  private async replay(identifier: string, slot: Slot, history: HistoryRequest | undefined): Promise<void> {
    const stream = slot.stream!;
    try {
      const resume = resumeOf(history, stream.streamId);
      if (resume) {
        // What the audience recently sent is served from its record, when that reaches back to the position.
        const recent = 'after' in resume ? this.deps.audiences.recentAfter(slot, { epoch: resume.epoch, offset: resume.after }) : undefined;
        if (recent) for (const { message, position } of recent) stream.replayed(message, position);
        else await this.deps.replay.run(slot.caller, resume, (message, position) => stream.replayed(message, position));
        if ('after' in resume) stream.heardThrough(resume.after);
      }
      this.send(confirmHistoryFrame(identifier));
    } catch (error) {
      if (!(error instanceof HistoryUnavailableError)) this.deps.onError(error);
      this.send(rejectHistoryFrame(identifier));
    } finally {
      stream.release();
      stream.asked();
    }
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
    const slot = this.slots?.get(identifier);
    if (!slot) return;
    this.slots!.delete(identifier);
    this.deps.audiences.leave(slot);
    slot.stream?.close();
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
    for (const slot of this.slots?.values() ?? []) {
      this.deps.audiences.leave(slot);
      slot.stream?.close();
    }
    this.slots?.clear();
  }
}
