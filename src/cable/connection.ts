/**
 * One /cable connection: the Action Cable commands of spec/EVENTS.md §2.2
 * and what answers them. `subscribe` starts a RoomChannel subscription and
 * confirms it (or rejects it); a second `subscribe` with the same identifier
 * is ignored; `unsubscribe` ends one; `message` performs an action
 * (`update_presence`). A frame that is not a command closes the connection
 * with `disconnect` (`invalid_request`, no reconnect). Idle connections hold
 * no timer and no subscription state until they subscribe.
 */
import type { WebSocket } from 'ws';
import {
  broadcastFrame,
  broadcastFramer,
  confirmFrame,
  disconnectFrame,
  parseCommand,
  parseObject,
  rejectFrame,
  type DisconnectReason,
} from './protocol.ts';
import type { AudienceMember, Audiences } from './audiences.ts';
import type { RoomCaller, RoomChannel } from './room-channel.ts';
import type { Presence } from './presence.ts';

/** Subscriptions one connection may hold (Chatwoot's clients hold one). */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 20;

/** A subscription being set up (its caller not known yet), or running (a member of its audience). */
type Slot = { caller?: RoomCaller; member?: AudienceMember; stopped?: boolean };

export interface ConnectionDeps {
  room: RoomChannel;
  audiences: Audiences;
  presence: Presence;
  onError: (error: unknown) => void;
}

export class CableConnection {
  private slots: Map<string, Slot> | undefined;
  private closed = false;

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

  /** The socket closed: every subscription ends. */
  onClose(): void {
    this.closed = true;
    this.stopAll();
  }

  onFrame(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    const command = isBinary ? null : parseCommand(data.toString());
    if (!command) return this.disconnect('invalid_request', false);
    if (command.command === 'subscribe') void this.subscribe(command.identifier).catch(this.deps.onError);
    else if (command.command === 'unsubscribe') this.unsubscribe(command.identifier);
    else if (command.command === 'message') this.perform(command.identifier, command.data);
  }

  private async subscribe(identifier: string): Promise<void> {
    const slots = (this.slots ??= new Map());
    if (slots.has(identifier)) return; // a duplicate subscribe is ignored
    const params = parseObject(identifier);
    if (!params || params.channel !== 'RoomChannel' || slots.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION)
      return this.send(rejectFrame(identifier));
    const slot: Slot = {};
    slots.set(identifier, slot);
    const caller = await this.deps.room.callerOf(params);
    const frame = broadcastFramer(identifier);
    const member: AudienceMember | null = caller && { caller, deliver: (message) => this.send(frame(message)) };
    const joined = member !== null && (await this.deps.audiences.join(member));
    if (slot.stopped || this.closed) {
      // Unsubscribed (or closed) meanwhile: nothing to answer.
      if (joined) this.deps.audiences.leave(member);
      return;
    }
    if (!member || !joined) {
      if (slots.get(identifier) === slot) slots.delete(identifier);
      return this.send(rejectFrame(identifier));
    }
    slot.caller = member.caller;
    slot.member = member;
    this.send(confirmFrame(identifier));
    await this.announcePresence(identifier, member.caller);
  }

  private unsubscribe(identifier: string): void {
    const slot = this.slots?.get(identifier);
    if (!slot) return;
    this.slots!.delete(identifier);
    this.stop(slot);
  }

  /** `message`: the only action RoomChannel has is `update_presence`; others are ignored, as Rails ignores them. */
  private perform(identifier: string, data: string): void {
    const slot = this.slots?.get(identifier);
    if (!slot?.caller || parseObject(data)?.action !== 'update_presence') return;
    void this.announcePresence(identifier, slot.caller).catch(this.deps.onError);
  }

  /** Records the caller as present and sends them who else is (`presence.update`). */
  private async announcePresence(identifier: string, caller: RoomCaller): Promise<void> {
    const message = await this.deps.presence.refresh(caller);
    if (message) this.send(broadcastFrame(identifier, message));
  }

  private stop(slot: Slot): void {
    slot.stopped = true;
    if (slot.member) this.deps.audiences.leave(slot.member);
  }

  private stopAll(): void {
    for (const slot of this.slots?.values() ?? []) this.stop(slot);
    this.slots?.clear();
  }
}
