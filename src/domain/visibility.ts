/**
 * What the caller may see (spec/API.md §1.2 and spec/EVENTS.md §2.5), asked
 * once per object and answered from a per-request cache: administrators and
 * agent bots see every inbox of their account, agents the inboxes they are
 * members of, a contact only their own contact, their own conversations in
 * their inbox and the non-private messages in them. Nobody sees another
 * account. GraphQL types, node loading and subscriptions all ask here.
 */
import DataLoader from 'dataloader';
import type { Principal } from '../auth.ts';
import type { PrismaClient } from '../db.ts';
import { DomainError } from '../errors.ts';
import type { AnyDomainEvent } from '../events/catalogue.ts';
import { visibleInboxIds, type AccountActor } from './actor.ts';
import { sessionReaches, type ConversationOwnership } from './client/session.ts';

/** Every inbox of the account, the ids of some, or none (not a member). */
type InboxScope = 'all' | ReadonlySet<number> | null;

export class Visibility {
  private readonly scopes = new Map<number, Promise<InboxScope>>();
  private readonly conversationOwners: DataLoader<number, ConversationOwnership | null>;

  constructor(
    private readonly db: PrismaClient,
    readonly viewer: Principal | null,
    private readonly actorIn: (accountId: number) => Promise<AccountActor>,
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

  /** Forgets cached memberships of an account (after its members or roles changed). */
  forget(accountId: number): void {
    this.scopes.delete(accountId);
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
    const actor = await this.actorIn(accountId).catch((error: unknown) =>
      error instanceof DomainError ? null : Promise.reject(error),
    );
    if (!actor) return null;
    const ids = await visibleInboxIds(this.db, actor);
    return ids === undefined ? 'all' : new Set(ids);
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
    return scope === 'all' || (scope !== null && scope.has(inboxId));
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
    if (this.viewer?.kind === 'contact') return sessionReaches(this.viewer, conversation);
    return this.canSeeInbox(conversation.accountId, conversation.inboxId);
  }

  async canSeeMessage(message: {
    accountId: number;
    inboxId: number;
    conversationId: number;
    private: boolean;
    messageType: string;
  }): Promise<boolean> {
    // A contact sees neither private notes nor activity messages (the Client API leaves both out).
    if (this.viewer?.kind === 'contact')
      return !message.private && message.messageType !== 'activity' && (await this.isOwnConversation(message.conversationId));
    return this.canSeeInbox(message.accountId, message.inboxId);
  }

  /** Whether a contact viewer's session reaches this conversation. */
  private async isOwnConversation(conversationId: number): Promise<boolean> {
    if (this.viewer?.kind !== 'contact') return false;
    const owner = await this.conversationOwners.load(conversationId);
    return owner !== null && sessionReaches(this.viewer, owner);
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
