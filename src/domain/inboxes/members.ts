/**
 * Inbox members (spec/API.md §3.2): the agents who may work an inbox.
 * Administrators reach every inbox without being members.
 */
import type { PrismaClient, Tx } from '../../db.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import type { Outbox } from '../../events/outbox.ts';
import { loadAccessibleInbox, performerOf, requireAdministrator, type AccountActor } from '../actor.ts';
import type { UserInAccount } from '../senders/presenter.ts';
import { fitsIntegerColumn } from '../validation.ts';

/** A user id as REST sends it (number or decimal string); NaN for anything else. */
const userIdOf = (id: unknown): number =>
  typeof id === 'number' ? id : typeof id === 'string' && /^\d{1,15}$/.test(id.trim()) ? Number(id) : NaN;

export class InboxMembers {
  constructor(
    private readonly db: PrismaClient,
    private readonly outbox: Outbox,
  ) {}

  /** The inbox's members in membership order (administrators and members of the inbox may ask). */
  async list(actor: AccountActor, inboxId: number): Promise<UserInAccount[]> {
    await loadAccessibleInbox(this.db, actor, inboxId);
    return this.load(this.db, actor.accountId, inboxId);
  }

  /**
   * Who a conversation of the inbox may be assigned to: its members and
   * every administrator of the account, each once (members first).
   */
  async assignable(actor: AccountActor, inboxId: number): Promise<UserInAccount[]> {
    await loadAccessibleInbox(this.db, actor, inboxId);
    const members = await this.load(this.db, actor.accountId, inboxId);
    const memberIds = new Set(members.map((m) => m.id));
    const administrators = await this.db.user.findMany({
      where: { accountUsers: { some: { accountId: actor.accountId, role: 'administrator' } } },
      orderBy: { id: 'asc' },
      include: { accountUsers: { where: { accountId: actor.accountId } } },
    });
    return [...members, ...administrators.filter((a) => !memberIds.has(a.id))];
  }

  /** Adds the users that are not members yet; every id must be a user of the account ("User must exist"). */
  async add(actor: AccountActor, inboxId: number, userIds: unknown[]): Promise<UserInAccount[]> {
    await this.administeredInbox(actor, inboxId);
    const ids = await this.accountUserIds(actor.accountId, userIds);
    return this.outbox.transaction(async (tx, emit) => {
      const { count } = await tx.inboxMember.createMany({
        data: ids.map((userId) => ({ inboxId, userId })),
        skipDuplicates: true,
      });
      if (count > 0) await emit(actor.accountId, 'inbox.members_changed', { inboxId }, performerOf(actor));
      return this.load(tx, actor.accountId, inboxId);
    });
  }

  /** Replaces the member set: adds the missing users, removes the others. Every id must be a user of the account. */
  async set(actor: AccountActor, inboxId: number, userIds: unknown[]): Promise<UserInAccount[]> {
    await this.administeredInbox(actor, inboxId);
    const ids = await this.accountUserIds(actor.accountId, userIds);
    return this.outbox.transaction(async (tx, emit) => {
      const removed = await tx.inboxMember.deleteMany({ where: { inboxId, userId: { notIn: ids } } });
      const added = await tx.inboxMember.createMany({
        data: ids.map((userId) => ({ inboxId, userId })),
        skipDuplicates: true,
      });
      if (removed.count + added.count > 0)
        await emit(actor.accountId, 'inbox.members_changed', { inboxId }, performerOf(actor));
      return this.load(tx, actor.accountId, inboxId);
    });
  }

  /** Removes these users from the inbox; ids that are unknown or not members are ignored. */
  async remove(actor: AccountActor, inboxId: number, userIds: unknown[]): Promise<UserInAccount[]> {
    await this.administeredInbox(actor, inboxId);
    const ids = userIds.map(userIdOf).filter(fitsIntegerColumn);
    return this.outbox.transaction(async (tx, emit) => {
      const { count } = await tx.inboxMember.deleteMany({ where: { inboxId, userId: { in: ids } } });
      if (count > 0) await emit(actor.accountId, 'inbox.members_changed', { inboxId }, performerOf(actor));
      return this.load(tx, actor.accountId, inboxId);
    });
  }

  /** An inbox of the actor's account (else NotFound) that the actor administers (else Forbidden). */
  private async administeredInbox(actor: AccountActor, inboxId: number) {
    const inbox = Number.isSafeInteger(inboxId)
      ? await this.db.inbox.findFirst({ where: { id: inboxId, accountId: actor.accountId }, select: { id: true } })
      : null;
    if (!inbox) throw new NotFoundError('Inbox');
    requireAdministrator(actor);
  }

  private async accountUserIds(accountId: number, userIds: unknown[]): Promise<number[]> {
    const ids = userIds.map(userIdOf);
    const known = await this.db.accountUser.findMany({
      where: { accountId, userId: { in: ids.filter(fitsIntegerColumn) } },
      select: { userId: true },
    });
    const knownIds = new Set(known.map((k) => k.userId));
    if (ids.some((id) => !knownIds.has(id))) throw ValidationError.of('user', 'User must exist');
    return [...new Set(ids)];
  }

  private async load(db: Pick<Tx, 'inboxMember'>, accountId: number, inboxId: number): Promise<UserInAccount[]> {
    const rows = await db.inboxMember.findMany({
      where: { inboxId },
      orderBy: { id: 'asc' },
      include: { user: { include: { accountUsers: { where: { accountId } } } } },
    });
    return rows.map((row) => row.user);
  }
}
