/**
 * The Action Cable destination of events: what /cable broadcasts for a
 * domain event (spec/EVENTS.md §2.5) and to whom.
 *
 * What: the `message` of a broadcast frame, `{"event": <name>, "data": {...}}`,
 * in Chatwoot's shapes: `MessageEvent`, `ConversationPush` (re-read for the
 * conversation events Chatwoot re-reads), typing with the typer's
 * SenderPush, the contact's push data; `account_id` merged into every
 * `data`, and `performer` (the acting user's or bot's SenderPush) where
 * Chatwoot adds it. A broadcast is the same for every recipient, so it is
 * built once per event (cableBroadcasts: one cache per database client)
 * however many subscribers hear it.
 *
 * To whom is decided elsewhere: what the caller may hear at all by
 * Visibility#canHear, and the /cable recipient rule by ../recipients.ts.
 *
 * The `roomEvents` GraphQL subscription (src/graphql/subscriptions/room.ts)
 * yields these broadcasts; /cable runs every RoomChannel subscription as it.
 */
import type { PrismaClient } from '../../db.ts';
import { presentConversationPush } from '../../domain/conversations/presenter.ts';
import { loadConversationView, loadUnreadCounts } from '../../domain/conversations/view.ts';
import { messageViewInclude, presentMessageEvent, type MessageView } from '../../domain/messages/presenter.ts';
import { presentAgentBotPush, presentContactPush, presentUserPush } from '../../domain/senders/presenter.ts';
import type { AnyDomainEvent, EventName, Performer } from '../catalogue.ts';

/** The `message` of a broadcast frame. */
export interface CableBroadcast {
  event: string;
  data: Record<string, unknown>;
}

/** The events /cable broadcasts (§2.5); the others (inbox, agent changes) are GraphQL-only. */
export const CABLE_EVENTS = [
  'message.created',
  'message.updated',
  'conversation.created',
  'conversation.status_changed',
  'conversation.updated',
  'conversation.read',
  'conversation.typing_on',
  'conversation.typing_off',
  'assignee.changed',
  'team.changed',
  'conversation.contact_changed',
  'first.reply.created',
  'contact.created',
  'contact.updated',
  'contact.merged',
  'contact.deleted',
] as const satisfies readonly EventName[];

/** The acting user's or bot's SenderPush; contacts are not performers on /cable. */
async function performerPush(db: PrismaClient, accountId: number, performer: Performer | undefined) {
  if (performer?.type === 'User') {
    const user = await db.user.findUnique({
      where: { id: performer.id },
      include: { accountUsers: { where: { accountId } } },
    });
    return user ? presentUserPush(user) : undefined;
  }
  if (performer?.type === 'AgentBot') {
    const bot = await db.agentBot.findUnique({ where: { id: performer.id } });
    return bot ? presentAgentBotPush(bot) : undefined;
  }
  return undefined;
}

/** The typer's SenderPush (contacts included). */
async function typerPush(db: PrismaClient, accountId: number, performer: Performer | undefined) {
  if (performer?.type === 'Contact') {
    const contact = await db.contact.findUnique({ where: { id: performer.id } });
    return contact ? presentContactPush(contact) : null;
  }
  return (await performerPush(db, accountId, performer)) ?? null;
}

/**
 * A message's `MessageEvent` (push data) with its conversation's unread
 * count, read at once and no more than the shape shows; null when the
 * message is gone. With `echo`, the sender's `echo_id` (the event's, else
 * the stored one).
 */
async function messageEventData(
  db: PrismaClient,
  accountId: number,
  ids: { messageId: number; conversationId: number },
  echo?: { echoId?: string },
) {
  const [message, unread] = await Promise.all([
    db.message.findUnique({ where: { id: ids.messageId }, include: messageViewInclude(accountId) }) as Promise<MessageView | null>,
    loadUnreadCounts(db, [ids.conversationId]),
  ]);
  if (!message) return null;
  const echoId = echo ? (echo.echoId ?? message.echoId ?? undefined) : undefined;
  return presentMessageEvent(message, unread.get(ids.conversationId) ?? 0, echoId);
}

/** Builds the broadcast of an event from the database's current state; null when its subject is gone. */
export async function buildCableBroadcast(db: PrismaClient, event: AnyDomainEvent): Promise<CableBroadcast | null> {
  const accountId = event.accountId;
  const withPerformer = async (data: Record<string, unknown>, performer = performerPush(db, accountId, event.performer)) => {
    const push = await performer;
    return { ...data, account_id: accountId, ...(push ? { performer: push } : {}) };
  };
  switch (event.name) {
    case 'message.created':
    case 'message.updated': {
      // The reads at once: every subscriber waits for this broadcast.
      const echo = event.name === 'message.created' ? { echoId: event.data.echoId } : undefined;
      const [data, performer] = await Promise.all([messageEventData(db, accountId, event.data, echo), performerPush(db, accountId, event.performer)]);
      if (!data) return null;
      const changes = event.name === 'message.updated' ? { previous_changes: event.data.previousChanges } : {};
      return { event: event.name, data: await withPerformer({ ...data, ...changes }, Promise.resolve(performer)) };
    }
    case 'first.reply.created': {
      // The reply's push data, without a performer (Chatwoot sends `message.push_event_data` as it is).
      const data = await messageEventData(db, accountId, event.data, { echoId: event.data.echoId });
      return data && { event: event.name, data: { ...data, account_id: accountId } };
    }
    case 'conversation.created': {
      const view = await loadConversationView(db, accountId, event.data.conversationId);
      return view && { event: event.name, data: await withPerformer(presentConversationPush(view)) };
    }
    case 'conversation.status_changed':
    case 'conversation.updated':
    case 'conversation.read':
    case 'assignee.changed':
    case 'team.changed':
    case 'conversation.contact_changed': {
      // Chatwoot re-reads the conversation for these: the latest state, no performer.
      const view = await loadConversationView(db, accountId, event.data.conversationId);
      return view && { event: event.name, data: { ...presentConversationPush(view), account_id: accountId } };
    }
    case 'conversation.typing_on':
    case 'conversation.typing_off': {
      const view = await loadConversationView(db, accountId, event.data.conversationId);
      if (!view) return null;
      return {
        event: event.name,
        data: {
          conversation: presentConversationPush(view),
          user: await typerPush(db, accountId, event.performer),
          is_private: event.data.isPrivate,
          account_id: accountId,
        },
      };
    }
    case 'contact.created':
    case 'contact.updated':
    case 'contact.merged': {
      const contact = await db.contact.findUnique({ where: { id: event.data.contactId } });
      return contact && { event: event.name, data: await withPerformer(presentContactPush(contact)) };
    }
    case 'contact.deleted':
      return { event: event.name, data: await withPerformer(event.data.snapshot) };
    default:
      return null;
  }
}

/**
 * Builds each event's broadcast once, however many subscribers ask: the
 * first caller starts it, the others await the same promise. Keeps the
 * latest `size` events.
 */
export class BroadcastCache {
  private readonly built = new Map<string, Promise<CableBroadcast | null>>();

  constructor(
    private readonly db: PrismaClient,
    private readonly size = 256,
  ) {}

  get(event: AnyDomainEvent): Promise<CableBroadcast | null> {
    let broadcast = this.built.get(event.id);
    if (!broadcast) {
      broadcast = buildCableBroadcast(this.db, event);
      this.built.set(event.id, broadcast);
      if (this.built.size > this.size) this.built.delete(this.built.keys().next().value!);
    }
    return broadcast;
  }
}

/** One broadcast cache per database client: every subscriber of a process shares it. */
const caches = new WeakMap<PrismaClient, BroadcastCache>();

/** The broadcasts of events read through `db`, each built once for all its subscribers. */
export function cableBroadcasts(db: PrismaClient): BroadcastCache {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new BroadcastCache(db)));
  return cache;
}
