/**
 * The events a subscriber hears. Every subscription field asks here: the
 * caller names a scope (an account, an inbox or a conversation; a contact is
 * always scoped to their own session; a user or agent bot of exactly one
 * account may leave it out), and hears the events of the given names in that
 * scope that spec/EVENTS.md §2.5 lets them hear. Events carry
 * ids only; each subscription re-loads its object with the subscriber's
 * selection, and the object type's own check runs again on it.
 */
import { filter, map, pipe } from 'graphql-yoga';
import type { Context } from '../../context.ts';
import { authFailure } from '../../auth.ts';
import { changesMembership } from '../../domain/access/membership-events.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import type { AnyDomainEvent, EventName } from '../../events/catalogue.ts';
import { HistoryUnavailableError, resumeAfterCursor, type Resume } from '../../events/history.ts';
import { builder } from '../builder.ts';
import { actorInAccount, databaseIdOf, locate } from '../ids.ts';

export interface EventScope {
  accountId: number;
  inboxId?: number;
  conversationId?: number;
  /** Where the subscriber resumes from: the events it missed since then come first. */
  resume?: Resume;
}

export const EventScopeInput = builder.inputType('EventScope', {
  description:
    'Where to listen: exactly one of an account, an inbox or a conversation. Contacts, and callers who belong to exactly one account, may omit it.',
  fields: (t) => ({
    accountId: t.id({ required: false }),
    inboxId: t.id({ required: false }),
    conversationId: t.id({ required: false }),
  }),
});

/** The `scope` argument of every subscription field, optional for all of them (see resolveEventScope). */
export const SCOPE_ARG = {
  type: EventScopeInput,
  required: false,
  description:
    'Where to listen. Optional for a contact (their own session) and for a user or agent bot who belongs to exactly one account (that account); required otherwise.',
} as const;

/** The `after` argument of every subscription field: where a subscriber that reconnects resumes. */
export const AFTER_ARG = {
  type: 'String',
  required: false,
  description:
    'Resume after this event cursor (`extensions.cursor` of the last result the client received): the events missed since then are delivered first, then the live ones, none twice. Refused with HISTORY_UNAVAILABLE when the history no longer reaches back that far (reload instead). Over SSE the `Last-Event-ID` header does the same.',
} as const;

/** Where a subscriber resumes: its `after` argument, else the `Last-Event-ID` its SSE request carried. */
function resumeOf(context: Context, after: string | null | undefined): Resume | undefined {
  const cursor = after ?? context.lastEventId;
  return cursor == null ? undefined : resumeAfterCursor(cursor);
}

/**
 * Checks the scope a subscriber asked for and returns it with its account
 * (and, when it resumes, where from).
 */
export async function resolveEventScope(
  context: Context,
  scope: Parameters<typeof resolveScope>[1],
  after?: string | null,
): Promise<EventScope> {
  const resume = resumeOf(context, after);
  const resolved = await resolveScope(context, scope);
  return resume ? { ...resolved, resume } : resolved;
}

/**
 * Checks the scope a subscriber asked for and returns it with its account.
 * Without a scope, a contact listens to their own session and a user or
 * agent bot to their only account; a caller of several accounts (or none)
 * is told that `scope` is required.
 */
async function resolveScope(
  context: Context,
  scope: { accountId?: string | number | null; inboxId?: string | number | null; conversationId?: string | number | null } | null | undefined,
): Promise<EventScope> {
  const principal = context.principal;
  if (principal?.kind === 'contact') {
    const conversationId =
      scope?.conversationId == null ? undefined : databaseIdOf('Conversation', scope.conversationId, 'conversationId');
    // A verified session reaches the contact's conversations in every inbox (canHear checks which).
    return { accountId: principal.accountId, inboxId: principal.hmacVerified ? undefined : principal.inboxId, conversationId };
  }
  if (scope?.conversationId != null) {
    const { id, record } = await locate(context, 'Conversation', scope.conversationId, 'conversationId');
    const conversation = await context.db.conversation.findUniqueOrThrow({ where: { id } });
    if (!(await context.access.canSeeConversation(conversation))) throw new NotFoundError('Conversation');
    return { accountId: record.accountId, conversationId: id };
  }
  if (scope?.inboxId != null) {
    const { id, record } = await locate(context, 'Inbox', scope.inboxId, 'inboxId');
    if (!(await context.access.canSeeInbox(record.accountId, id))) throw new NotFoundError('Inbox');
    return { accountId: record.accountId, inboxId: id };
  }
  if (scope?.accountId != null) {
    const accountId = databaseIdOf('Account', scope.accountId, 'accountId');
    await actorInAccount(context, accountId);
    return { accountId };
  }
  return { accountId: await onlyAccountOf(context) };
}

/** The account a user or agent bot listens to when they name no scope: the only one they belong to. */
async function onlyAccountOf(context: Context): Promise<number> {
  // Subscriptions check authentication first (authScopes); this keeps the refusal right for any other caller.
  if (!context.principal) throw context.credentialsError ?? authFailure('missing_credentials');
  // Two are enough to know that there is more than one.
  const [only, another] = await context.accountIds(2);
  if (only !== undefined && another === undefined) {
    await actorInAccount(context, only);
    return only;
  }
  throw ValidationError.of(
    'scope',
    only === undefined
      ? 'scope is required: you belong to no account to listen to'
      : 'scope is required: you belong to several accounts; pass scope: { accountId: ... }',
  );
}

/**
 * The events named `names` in `scope` that the caller may hear, as they are
 * committed (after those it missed, when the scope resumes). Each one is
 * recorded on the context as it is handed on (`heardEvent`), so its result
 * carries its cursor (event-cursors.ts).
 */
export async function hear<N extends EventName>(
  context: Context,
  scope: EventScope,
  names: readonly N[],
): Promise<AsyncIterable<Extract<AnyDomainEvent, { name: N }>>> {
  return pipe(
    await accountEvents(context, scope),
    filter(hearing(context, scope, names)),
    map((event: AnyDomainEvent) => (context.heardEvent = event)),
  ) as AsyncIterable<Extract<AnyDomainEvent, { name: N }>>;
}

/** The scope's account's events, from its resume point when it has one. */
export async function accountEvents(context: Context, scope: EventScope): Promise<AsyncIterable<AnyDomainEvent>> {
  if (!scope.resume) return context.pubsub.subscribe('account:events', scope.accountId);
  if (!context.pubsub.resume) throw new HistoryUnavailableError('this subscription cannot resume');
  return context.pubsub.resume(scope.accountId, scope.resume);
}

/** Whether the caller hears an event of the scope's account: one of `names`, in the scope, and one they may see. */
export function hearing(context: Context, scope: EventScope, names: readonly EventName[]): (event: AnyDomainEvent) => Promise<boolean> {
  const wanted = new Set<EventName>(names);
  const inScope = (event: AnyDomainEvent) => {
    const data = event.data as { inboxId?: number; conversationId?: number };
    if (scope.inboxId !== undefined && data.inboxId !== scope.inboxId) return false;
    if (scope.conversationId !== undefined && data.conversationId !== scope.conversationId) return false;
    return true;
  };
  return async (event: AnyDomainEvent) => {
    // What the subscriber may see in the account has to be looked up again.
    if (changesMembership(event.name)) context.forget(event.accountId);
    const heardIt = wanted.has(event.name) && inScope(event) && (await context.access.canHear(event));
    // The subscription's context lives as long as it does: each event is resolved with fresh loaders.
    if (heardIt) context.clearLoaders();
    return heardIt;
  };
}
