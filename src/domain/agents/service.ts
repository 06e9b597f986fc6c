/**
 * Agents: users as members of an account (spec/API.md §3.3).
 */
import { z } from 'zod';
import type { PrismaClient } from '../../db.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import type { Outbox } from '../../events/outbox.ts';
import { performerOf, requireAdministrator, type AccountActor } from '../actor.ts';
import { secureToken } from '../tokens.ts';
import { parseInput, stringColumn, type RawInput } from '../validation.ts';
import type { UserInAccount } from '../senders/presenter.ts';

const ROLES = ['agent', 'administrator'] as const;
const AVAILABILITIES = ['online', 'offline', 'busy'] as const;

/** A new agent (spec/API.md §3.3 defaults: role agent, availability offline, autoOffline false). */
export const createAgentInput = z.object({
  name: stringColumn().min(1),
  email: stringColumn()
    .regex(/^[^@\s]+@[^@\s]+$/, { message: 'is invalid' })
    .transform((email) => email.toLowerCase()),
  role: z.enum(ROLES).default('agent'),
  availability: z.enum(AVAILABILITIES).default('offline'),
  autoOffline: z.boolean().default(false),
});
export type CreateAgentInput = z.input<typeof createAgentInput>;

/** What an administrator may change about an agent; the name is the user's, the rest the membership's. */
export const updateAgentInput = z.object({
  name: stringColumn().min(1).optional(),
  role: z.enum(ROLES).optional(),
  availability: z.enum(AVAILABILITIES).optional(),
  autoOffline: z.boolean().optional(),
});
export type UpdateAgentInput = z.input<typeof updateAgentInput>;

/** One agent of the account: its membership (AccountUser) id and its user id. */
export interface AgentRef {
  agentId: number;
  userId: number;
}

export class AgentService {
  constructor(
    private readonly db: PrismaClient,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Adds an agent to the account (administrators). A user who already has
   * this email is re-used and linked; a new user gets an access token and a
   * pubsub token.
   */
  async create(actor: AccountActor, raw: RawInput<CreateAgentInput>): Promise<UserInAccount> {
    requireAdministrator(actor);
    const input = parseInput(createAgentInput, raw);
    return this.outbox.transaction(async (tx) => {
      const user =
        (await tx.user.findUnique({ where: { email: input.email } })) ??
        (await tx.user.create({
          data: {
            name: input.name,
            email: input.email,
            pubsubToken: secureToken(),
            accessToken: { create: { token: secureToken() } },
          },
        }));
      const membership = { role: input.role, availability: input.availability, autoOffline: input.autoOffline };
      await tx.accountUser.upsert({
        where: { accountId_userId: { accountId: actor.accountId, userId: user.id } },
        update: membership,
        create: {
          ...membership,
          accountId: actor.accountId,
          userId: user.id,
          inviterId: actor.kind === 'user' ? actor.userId : null,
        },
      });
      return this.load(tx, actor.accountId, user.id);
    });
  }

  /**
   * Invites agents by email (administrators, `POST /agents/bulk_create`):
   * each new address becomes an agent named after its local part; addresses
   * already in the account, repeated or invalid are silently skipped.
   */
  async bulkCreate(actor: AccountActor, emails: unknown): Promise<void> {
    requireAdministrator(actor);
    const list = Array.isArray(emails) ? emails : [];
    const seen = new Set<string>();
    for (const raw of list) {
      if (typeof raw !== 'string') continue;
      const email = raw.trim().toLowerCase();
      if (!email || seen.has(email) || !createAgentInput.shape.email.safeParse(email).success) continue;
      seen.add(email);
      const member = await this.db.accountUser.findFirst({
        where: { accountId: actor.accountId, user: { email } },
        select: { id: true },
      });
      if (member) continue;
      await this.create(actor, { name: email.split('@')[0], email });
    }
  }

  /** The account's agents ordered by lower(name) as Chatwoot lists them (any member may ask). */
  async orderedIds(actor: AccountActor): Promise<AgentRef[]> {
    const rows = await this.db.$queryRaw<{ id: number; user_id: number }[]>`
      SELECT account_users.id, account_users.user_id FROM account_users
      JOIN users ON users.id = account_users.user_id
      WHERE account_users.account_id = ${actor.accountId}
      ORDER BY lower(users.name), users.id`;
    return rows.map((row) => ({ agentId: Number(row.id), userId: Number(row.user_id) }));
  }

  /** The account's agents as users with their membership, ordered by lower(name). */
  async list(actor: AccountActor): Promise<UserInAccount[]> {
    const refs = await this.orderedIds(actor);
    const users = await this.db.user.findMany({
      where: { id: { in: refs.map((ref) => ref.userId) } },
      include: { accountUsers: { where: { accountId: actor.accountId } } },
    });
    const byId = new Map(users.map((user) => [user.id, user]));
    return refs.flatMap((ref) => byId.get(ref.userId) ?? []);
  }

  /**
   * Changes an agent's name, role, availability or auto-offline setting
   * (administrators). Emits `agent.updated`.
   */
  async update(actor: AccountActor, userId: number, raw: RawInput<UpdateAgentInput>): Promise<UserInAccount> {
    await this.membership(actor, userId);
    requireAdministrator(actor);
    const { name, ...membership } = parseInput(updateAgentInput, raw);
    return this.outbox.transaction(async (tx, emit) => {
      if (name !== undefined) await tx.user.update({ where: { id: userId }, data: { name } });
      if (Object.values(membership).some((value) => value !== undefined))
        await tx.accountUser.update({
          where: { accountId_userId: { accountId: actor.accountId, userId } },
          data: membership,
        });
      await emit(actor.accountId, 'agent.updated', { userId }, performerOf(actor));
      return this.load(tx, actor.accountId, userId);
    });
  }

  /**
   * Removes an agent from the account (administrators): their inbox and
   * team memberships in the account go, their conversations there are
   * unassigned, and a user left without any account is deleted. The last
   * administrator may not remove themselves. Emits `agent.removed`.
   */
  async remove(actor: AccountActor, userId: number): Promise<void> {
    await this.membership(actor, userId);
    requireAdministrator(actor);
    const accountId = actor.accountId;
    return this.outbox.transaction(async (tx, emit) => {
      if (actor.kind === 'user' && actor.userId === userId) {
        const administrators = await tx.accountUser.count({ where: { accountId, role: 'administrator' } });
        if (administrators <= 1)
          throw ValidationError.rule('base', 'The last administrator of an account cannot be removed');
      }
      await tx.inboxMember.deleteMany({ where: { userId, inbox: { accountId } } });
      await tx.teamMember.deleteMany({ where: { userId, team: { accountId } } });
      await tx.conversation.updateMany({ where: { accountId, assigneeId: userId }, data: { assigneeId: null } });
      await tx.accountUser.delete({ where: { accountId_userId: { accountId, userId } } });
      if ((await tx.accountUser.count({ where: { userId } })) === 0) await tx.user.delete({ where: { id: userId } });
      await emit(accountId, 'agent.removed', { userId }, performerOf(actor));
    });
  }

  /** The user's membership of the actor's account; NotFound when they are not an agent of it. */
  private async membership(actor: AccountActor, userId: number) {
    const membership = Number.isSafeInteger(userId)
      ? await this.db.accountUser.findUnique({ where: { accountId_userId: { accountId: actor.accountId, userId } } })
      : null;
    if (!membership) throw new NotFoundError('Agent');
    return membership;
  }

  private load(db: Pick<PrismaClient, 'user'>, accountId: number, userId: number): Promise<UserInAccount> {
    return db.user.findUniqueOrThrow({ where: { id: userId }, include: { accountUsers: { where: { accountId } } } });
  }
}
