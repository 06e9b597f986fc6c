/**
 * Agents: users as members of an account (spec/API.md §3.3).
 */
import { z } from 'zod';
import type { PrismaClient } from '../../db.ts';
import type { Outbox } from '../../events/outbox.ts';
import { requireAdministrator, type AccountActor } from '../actor.ts';
import { secureToken } from '../tokens.ts';
import { parseInput, stringColumn, type RawInput } from '../validation.ts';
import type { UserInAccount } from '../senders/presenter.ts';

export const createAgentInput = z.object({
  name: stringColumn().min(1),
  email: stringColumn()
    .regex(/^[^@\s]+@[^@\s]+$/, { message: 'is invalid' })
    .transform((email) => email.toLowerCase()),
  role: z.enum(['agent', 'administrator']).default('agent'),
  availability: z.enum(['online', 'offline', 'busy']).default('offline'),
  autoOffline: z.boolean().default(false),
});
export type CreateAgentInput = z.input<typeof createAgentInput>;

export class AgentService {
  constructor(
    private readonly db: PrismaClient,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Adds an agent to the account. A user who already has this email is
   * re-used and linked; a new user gets an access token and a pubsub token.
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
      return tx.user.findUniqueOrThrow({
        where: { id: user.id },
        include: { accountUsers: { where: { accountId: actor.accountId } } },
      });
    });
  }
}
