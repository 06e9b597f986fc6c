/**
 * Memberships of a platform app's account (`/platform/api/v1/accounts/{id}/account_users`):
 * list them, add a user or change their role, remove one.
 */
import { z } from 'zod';
import type { PrismaClient } from '../../db.ts';
import { ValidationError } from '../../errors.ts';
import type { Outbox } from '../../events/outbox.ts';
import type { AccountUser } from '../../generated/prisma/client.ts';
import { parseInput, type RawInput } from '../validation.ts';
import type { PlatformAccountService } from './accounts.ts';

export const upsertAccountUserInput = z.object({
  /** Checked against the users table: a missing or unknown id is Rails' `User must exist`. */
  userId: z.number().int().optional(),
  role: z.enum(['agent', 'administrator']).optional(),
});
export type UpsertAccountUserInput = z.input<typeof upsertAccountUserInput>;

/** Rails' `belongs_to :user` failure: the id is missing or names no user. */
const userMustExist = () => ValidationError.of('user', 'User must exist');

export class PlatformAccountUserService {
  constructor(
    private readonly db: PrismaClient,
    private readonly outbox: Outbox,
    private readonly accounts: PlatformAccountService,
  ) {}

  /** The account's memberships, oldest first. */
  async list(platformAppId: number, accountId: number): Promise<AccountUser[]> {
    await this.accounts.get(platformAppId, accountId);
    return this.db.accountUser.findMany({ where: { accountId }, orderBy: { id: 'asc' } });
  }

  /**
   * Makes the user a member of the account with the role given (a new
   * member is an agent unless told otherwise); an existing member's role is
   * changed. As in Chatwoot, the user need not be the platform app's own.
   * Emits `agent.updated`.
   */
  async upsert(platformAppId: number, accountId: number, raw: RawInput<UpsertAccountUserInput>): Promise<AccountUser> {
    await this.accounts.get(platformAppId, accountId);
    const { userId, role } = parseInput(upsertAccountUserInput, raw);
    const user =
      userId === undefined ? null : await this.db.user.findUnique({ where: { id: userId }, select: { id: true } });
    if (!user || userId === undefined) throw userMustExist();
    return this.outbox.transaction(async (tx, emit) => {
      const membership = await tx.accountUser.upsert({
        where: { accountId_userId: { accountId, userId } },
        update: { role },
        create: { accountId, userId, role },
      });
      await emit(accountId, 'agent.updated', { userId });
      return membership;
    });
  }

  /**
   * Removes the user from the account (nothing happens when they are not a
   * member): their inbox and team memberships there go and their
   * conversations there are unassigned, as Chatwoot's removal job does. The
   * user stays. Emits `agent.removed`.
   */
  async remove(platformAppId: number, accountId: number, userId: number | undefined): Promise<void> {
    await this.accounts.get(platformAppId, accountId);
    if (userId === undefined || !Number.isSafeInteger(userId)) return;
    await this.outbox.transaction(async (tx, emit) => {
      const { count } = await tx.accountUser.deleteMany({ where: { accountId, userId } });
      if (count === 0) return;
      await tx.inboxMember.deleteMany({ where: { userId, inbox: { accountId } } });
      await tx.teamMember.deleteMany({ where: { userId, team: { accountId } } });
      await tx.conversation.updateMany({ where: { accountId, assigneeId: userId }, data: { assigneeId: null } });
      await emit(accountId, 'agent.removed', { userId });
    });
  }
}
