/**
 * Who among the callers allowed to hear an event (Visibility#canHear) is
 * one of its recipients, written once for every subscription and /cable's
 * fan-out (spec/EVENTS.md §2.5):
 * - nobody hears their own typing, as Chatwoot leaves the typer out;
 * - on /cable, a contact never hears the STAFF_ONLY events, internal
 *   messages (access/rules.ts `isInternalMessage`) or typing of a private
 *   note: Chatwoot sends those to agents or the account stream only.
 */
import { isInternalMessage } from '../domain/access/rules.ts';
import type { Principal } from '../domain/principal.ts';
import type { AnyDomainEvent, EventName, Performer } from './catalogue.ts';
import type { CableBroadcast } from './listeners/cable-broadcasts.ts';

/** Someone who hears events or causes them, in an event's `performer` terms. */
export type Party = Performer;

/** Events a contact never hears on /cable, whatever conversation they concern. */
export const STAFF_ONLY: ReadonlySet<EventName> = new Set<EventName>([
  'conversation.read',
  'assignee.changed',
  'team.changed',
  'conversation.contact_changed',
  'first.reply.created',
  'contact.created',
  'contact.updated',
  'contact.merged',
  'contact.deleted',
]);

const TYPING: ReadonlySet<string> = new Set<EventName>(['conversation.typing_on', 'conversation.typing_off']);

/** The party a caller is; undefined for a caller who is none (anonymous, a platform app). */
export function partyOf(principal: Principal | null | undefined): Party | undefined {
  if (principal?.kind === 'user') return { type: 'User', id: principal.userId };
  if (principal?.kind === 'agentBot') return { type: 'AgentBot', id: principal.agentBotId };
  if (principal?.kind === 'contact') return { type: 'Contact', id: principal.contactId };
  return undefined;
}

/** Whether the event `name`, typed by `typer`, is `listener`'s own typing (which they never hear). */
export function isOwnTyping(listener: Party | undefined, name: string, typer: Party | undefined): boolean {
  return TYPING.has(name) && listener !== undefined && typer !== undefined && listener.type === typer.type && listener.id === typer.id;
}

const PUSH_TYPES: Record<string, Party['type']> = { user: 'User', agent_bot: 'AgentBot', contact: 'Contact' };

/** The typer of a typing broadcast, read off its SenderPush `user` (what /cable's fan-out has of the event); undefined for other broadcasts. */
export function typerOf(broadcast: CableBroadcast): Party | undefined {
  if (!TYPING.has(broadcast.event)) return undefined;
  const user = broadcast.data.user as { id?: unknown; type?: unknown } | null | undefined;
  const type = typeof user?.type === 'string' ? PUSH_TYPES[user.type] : undefined;
  return type && typeof user?.id === 'number' ? { type, id: user.id } : undefined;
}

/**
 * Whether a caller who may hear the event is among its /cable recipients.
 * `party` undefined leaves own typing to the caller (an audience's fan-out
 * asks isOwnTyping per socket).
 */
export function hearsOnCable(event: AnyDomainEvent, listener: { isContact: boolean; party?: Party }): boolean {
  if (isOwnTyping(listener.party, event.name, event.performer)) return false;
  if (!listener.isContact) return true;
  if (STAFF_ONLY.has(event.name)) return false;
  if (event.name === 'message.created' || event.name === 'message.updated') return !isInternalMessage(event.data);
  if (event.name === 'conversation.typing_on' || event.name === 'conversation.typing_off') return !event.data.isPrivate;
  return true;
}
