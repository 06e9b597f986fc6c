/**
 * Who reaches what (spec/API.md §1.2, §5, §6; spec/EVENTS.md §2.5), each
 * rule defined here once and compiled into a predicate, a Prisma `where`
 * and an SQL fragment (condition.ts). Every service, GraphQL type,
 * subscription and adapter asks here; none writes a rule of its own.
 *
 * - A chat message is neither a private note nor an activity message;
 *   the others are internal: contacts never see them, and REST's
 *   `filter_internal_messages` leaves them out.
 * - Administrators and agent bots reach every inbox and conversation of
 *   their account; an agent only those of the inboxes they are a member of.
 * - A contact's session reaches its own conversations; a session whose
 *   identity is proven by HMAC reaches every conversation of the contact in
 *   the account.
 */
import type { Prisma } from '../../generated/prisma/client.ts';
import type { AccountActor } from '../principal.ts';
import { and, compile, eq, inboxMember, ne, type Rule } from './condition.ts';

/** A message that is neither a private note nor an activity message. */
export const chatMessages: Rule<Prisma.MessageWhereInput> = compile(and(eq('private', false), ne('messageType', 'activity')));

/** A message that is not an activity message (a conversation's `last_non_activity_message`). */
export const nonActivityMessages: Rule<Prisma.MessageWhereInput> = compile(ne('messageType', 'activity'));

/** Whether a message is internal (a private note or an activity message): the negation of `chatMessages`. */
export const isInternalMessage = (message: { private: boolean; messageType: string }): boolean => !chatMessages.test(message);

/** An agent who reaches only the inboxes they are a member of; undefined for administrators and agent bots. */
export const memberOnlyAgent = (actor: AccountActor): number | undefined =>
  actor.kind === 'user' && actor.role === 'agent' ? actor.userId : undefined;

/** The inboxes an account actor reaches. */
export function inboxesReachedBy(actor: AccountActor): Rule<Prisma.InboxWhereInput> {
  const agentId = memberOnlyAgent(actor);
  const account = eq('accountId', actor.accountId);
  return compile(agentId === undefined ? account : and(account, inboxMember('id', agentId)));
}

/** A contact's session, as far as what it reaches goes. */
export interface Session {
  accountId: number;
  contactId: number;
  contactInboxId: number;
  hmacVerified: boolean;
}

/** The conversations an account actor or a contact's session reaches. */
export function conversationsReachedBy(reacher: AccountActor | Session): Rule<Prisma.ConversationWhereInput> {
  const account = eq('accountId', reacher.accountId);
  if ('contactInboxId' in reacher)
    return compile(and(account, reacher.hmacVerified ? eq('contactId', reacher.contactId) : eq('contactInboxId', reacher.contactInboxId)));
  const agentId = memberOnlyAgent(reacher);
  return compile(agentId === undefined ? account : and(account, inboxMember('inboxId', agentId)));
}
