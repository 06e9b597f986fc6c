/**
 * What the caller may see (spec/API.md §1.2 and spec/EVENTS.md §2.5), asked
 * once per object and answered from a per-request cache. The rules are
 * those of access/rules.ts, asked here as predicates over loaded rows:
 * `inboxesReachedBy` / `conversationsReachedBy` for staff (the agent's
 * memberships loaded once per account), `conversationsReachedBy` for a
 * contact's session, and `chatMessages` for the messages a contact sees.
 * Nobody sees another account. GraphQL types, node loading and
 * subscriptions all ask here.
 */
import DataLoader from 'dataloader';
import type { Principal } from './principal.ts';
import type { PrismaClient } from '../db.ts';
import { DomainError } from '../errors.ts';
import type { AnyDomainEvent } from '../events/catalogue.ts';
import type { Facts, Rule } from './access/condition.ts';
import { chatMessages, conversationsReachedBy, inboxesReachedBy } from './access/rules.ts';
import { visibleInboxIds, type AccountActor } from './actor.ts';

/** The columns of a conversation that say whose it is. */
type ConversationOwnership = { accountId: number; contactId: number; contactInboxId: number };

/** What a user or agent bot acting in the account reaches, with the facts the rules need (an agent's memberships); null: none. */
type InboxScope = { inboxes: Rule<object>; conversations: Rule<object>; facts: Facts } | null;

/**
 * What staff reach in one account, read beforehand: 'all' inboxes
 * (administrators) or the ids of the inboxes they are a member of. A
 * Visibility given one answers for that reach, whoever its viewer is
 * (src/domain/access/reach.ts: one /cable audience, one decision).
 */
export interface FixedReach {
  accountId: number;
  inboxes: 'all' | readonly number[];
}

export class Visibility {
  private readonly scopes = new Map<number, Promise<InboxScope>>();
  private readonly conversationOwners: DataLoader<number, ConversationOwnership | null>;

  constructor(
    private readonly db: PrismaClient,
    readonly viewer: Principal | null,
    private readonly actorIn: (accountId: number) => Promise<AccountActor>,
    private readonly fixed?: FixedReach,
  ) {
    this.conversationOwners = new DataLoader(async (ids) => {
      const rows = await db.conversation.findMany({
        where: { id: { in: [...ids] } },
        select: { id: true, accountId: true, contactId: true, contactInboxId: true },
      });
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    });
  }

  /** What a contact viewer's session reaches (`conversationsReachedBy`), compiled once. */
  private sessionReach?: Rule<object>;

  private reachOfSession(viewer: Extract<Principal, { kind: 'contact' }>): Rule<object> {
    return (this.sessionReach ??= conversationsReachedBy(viewer));
  }

  /** Forgets cached memberships of an account (after its members or roles changed). */
  forget(accountId: number): void {
    if (accountId !== this.fixed?.accountId) this.scopes.delete(accountId);
  }

  /** The inboxes of `accountId` a user or agent bot may see. */
  private inboxScope(accountId: number): Promise<InboxScope> {
    let scope = this.scopes.get(accountId);
    if (!scope) {
      scope = this.loadInboxScope(accountId);
      this.scopes.set(accountId, scope);
    }
    return scope;
  }

  private async loadInboxScope(accountId: number): Promise<InboxScope> {
    const viewer = this.viewer;
    if (!viewer || (viewer.kind !== 'user' && viewer.kind !== 'agentBot')) return null;
    if (this.fixed?.accountId === accountId) return scopeOf(this.fixed);
    const actor = await this.actorIn(accountId).catch((error: unknown) =>
      error instanceof DomainError ? null : Promise.reject(error),
    );
    if (!actor) return null;
    const ids = await visibleInboxIds(this.db, actor);
    return {
      inboxes: inboxesReachedBy(actor),
      conversations: conversationsReachedBy(actor),
      facts: ids === undefined ? {} : { memberInboxIds: new Set(ids) },
    };
  }

  /**
   * The messages of a conversation it sees that the viewer may see: a
   * contact only chat messages (`chatMessages`), staff every message
   * (undefined). canSeeMessage and the last message of a conversation both
   * follow it.
   */
  get seenMessages(): Rule<object> | undefined {
    return this.viewer?.kind === 'contact' ? chatMessages : undefined;
  }

  /** A user or agent bot acting in this account (not a contact). */
  async isStaffOf(accountId: number): Promise<boolean> {
    return (await this.inboxScope(accountId)) !== null;
  }

  /** A user who is an administrator of this account (not an agent, bot or contact). */
  async isAdministratorOf(accountId: number): Promise<boolean> {
    if (this.viewer?.kind !== 'user') return false;
    const actor = await this.actorIn(accountId).catch((error: unknown) =>
      error instanceof DomainError ? null : Promise.reject(error),
    );
    return actor?.kind === 'user' && actor.role === 'administrator';
  }

  async canSeeInbox(accountId: number, inboxId: number): Promise<boolean> {
    // A contact sees the public face of their session's inbox; proven by HMAC, of every inbox their conversations may be in.
    if (this.viewer?.kind === 'contact')
      return this.viewer.accountId === accountId && (this.viewer.hmacVerified || this.viewer.inboxId === inboxId);
    const scope = await this.inboxScope(accountId);
    return scope !== null && scope.inboxes.test({ id: inboxId, accountId }, scope.facts);
  }

  async canSeeContact(contact: { accountId: number; id: number }): Promise<boolean> {
    if (this.viewer?.kind === 'contact') return this.viewer.contactId === contact.id;
    return this.isStaffOf(contact.accountId);
  }

  /** A contact inbox (session): staff who can see its inbox, and the contact whose session it is. */
  async canSeeContactInbox(contactInbox: { id: number; accountId: number; inboxId: number; contactId: number }): Promise<boolean> {
    // A session proven by HMAC is the contact: it sees the contact's other sessions too.
    if (this.viewer?.kind === 'contact')
      return this.viewer.hmacVerified
        ? this.viewer.accountId === contactInbox.accountId && this.viewer.contactId === contactInbox.contactId
        : this.viewer.contactInboxId === contactInbox.id;
    return this.canSeeInbox(contactInbox.accountId, contactInbox.inboxId);
  }

  async canSeeConversation(conversation: ConversationOwnership & { inboxId: number }): Promise<boolean> {
    if (this.viewer?.kind === 'contact') return this.reachOfSession(this.viewer).test(conversation);
    const scope = await this.inboxScope(conversation.accountId);
    return scope !== null && scope.conversations.test(conversation, scope.facts);
  }

  async canSeeMessage(message: {
    accountId: number;
    inboxId: number;
    conversationId: number;
    private: boolean;
    messageType: string;
  }): Promise<boolean> {
    const seen = this.seenMessages;
    if (seen && !seen.test(message)) return false;
    if (this.viewer?.kind === 'contact') return this.isOwnConversation(message.conversationId);
    return this.canSeeInbox(message.accountId, message.inboxId);
  }

  /** Whether a contact viewer's session reaches this conversation. */
  private async isOwnConversation(conversationId: number): Promise<boolean> {
    if (this.viewer?.kind !== 'contact') return false;
    const owner = await this.conversationOwners.load(conversationId);
    return owner !== null && this.reachOfSession(this.viewer).test(owner);
  }

  /**
   * Whether the caller may hear of this event at all (spec/EVENTS.md §2.5):
   * inbox-scoped events reach who can see the inbox; a contact hears only of
   * their own conversations, never of private notes or private typing.
   */
  async canHear(event: AnyDomainEvent): Promise<boolean> {
    const data = event.data as {
      inboxId?: number;
      conversationId?: number;
      contactId?: number;
      private?: boolean;
      isPrivate?: boolean;
    };
    if (this.viewer?.kind === 'contact') {
      if (this.viewer.accountId !== event.accountId) return false;
      if (data.private || data.isPrivate) return false;
      if (data.conversationId !== undefined) return this.isOwnConversation(data.conversationId);
      return data.contactId === this.viewer.contactId;
    }
    if (data.inboxId !== undefined) return this.canSeeInbox(event.accountId, data.inboxId);
    return this.isStaffOf(event.accountId);
  }
}

/** The rules of a reach read beforehand; the agent's id does not matter to them, only their memberships (the facts). */
function scopeOf(reach: FixedReach): InboxScope {
  const actor: AccountActor = { kind: 'user', accountId: reach.accountId, userId: 0, role: reach.inboxes === 'all' ? 'administrator' : 'agent' };
  return {
    inboxes: inboxesReachedBy(actor),
    conversations: conversationsReachedBy(actor),
    facts: reach.inboxes === 'all' ? {} : { memberInboxIds: new Set(reach.inboxes) },
  };
}
