/**
 * Agent bots through the Platform API: a platform app creates bots (global,
 * or in one of its own accounts) and lists, shows, changes and deletes the
 * ones it may manage.
 */
import { z } from 'zod';
import type { PrismaClient } from '../../db.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import type { AccessToken, AgentBot } from '../../generated/prisma/client.ts';
import { secureToken } from '../tokens.ts';
import { LIMITS, parseInput, stringColumn, textColumn, type RawInput } from '../validation.ts';
import { grantPermissible, requirePermissible, revokePermissibles } from './permissibles.ts';

const botFields = {
  name: stringColumn().trim().min(1),
  description: textColumn().nullish(),
  outgoingUrl: z.string().max(LIMITS.url).nullish(),
  avatarUrl: z.string().max(LIMITS.url).nullish(),
  /** Null (or absent) makes a global bot, which reaches accounts through the inboxes it is connected to. */
  accountId: z.number().int().nullish(),
};

export const createPlatformAgentBotInput = z.object(botFields);
export type CreatePlatformAgentBotInput = z.input<typeof createPlatformAgentBotInput>;
export const updatePlatformAgentBotInput = createPlatformAgentBotInput.partial();
export type UpdatePlatformAgentBotInput = z.input<typeof updatePlatformAgentBotInput>;

export type PlatformAgentBot = AgentBot & { accessToken: AccessToken | null };

export class PlatformAgentBotService {
  constructor(private readonly db: PrismaClient) {}

  /** The bots the platform app may manage, in the order it got them. */
  async list(platformAppId: number): Promise<PlatformAgentBot[]> {
    const rows = await this.db.platformAppPermissible.findMany({
      where: { platformAppId, permissibleType: 'AgentBot' },
      orderBy: { id: 'asc' },
      select: { permissibleId: true },
    });
    const bots = await this.db.agentBot.findMany({
      where: { id: { in: rows.map((row) => row.permissibleId) } },
      include: { accessToken: true },
    });
    const byId = new Map(bots.map((bot) => [bot.id, bot]));
    return rows.flatMap((row) => byId.get(row.permissibleId) ?? []);
  }

  /** Creates a bot with its access token, and the platform app's right to it, in one transaction. */
  async create(platformAppId: number, raw: RawInput<CreatePlatformAgentBotInput>): Promise<PlatformAgentBot> {
    const input = parseInput(createPlatformAgentBotInput, raw);
    await this.requireAccount(platformAppId, input.accountId);
    return this.db.$transaction(async (tx) => {
      const bot = await tx.agentBot.create({
        data: { ...input, accessToken: { create: { token: secureToken() } } },
        include: { accessToken: true },
      });
      await grantPermissible(tx, platformAppId, 'AgentBot', bot.id);
      return bot;
    });
  }

  /** A bot the platform app may manage: NotFound when it does not exist, `Non permissible resource` when not its. */
  async get(platformAppId: number, botId: number): Promise<PlatformAgentBot> {
    const bot = Number.isSafeInteger(botId)
      ? await this.db.agentBot.findUnique({ where: { id: botId }, include: { accessToken: true } })
      : null;
    if (!bot) throw new NotFoundError('AgentBot');
    await requirePermissible(this.db, platformAppId, 'AgentBot', bot.id);
    return bot;
  }

  async update(platformAppId: number, botId: number, raw: RawInput<UpdatePlatformAgentBotInput>): Promise<PlatformAgentBot> {
    await this.get(platformAppId, botId);
    const input = parseInput(updatePlatformAgentBotInput, raw);
    await this.requireAccount(platformAppId, input.accountId);
    return this.db.agentBot.update({ where: { id: botId }, data: input, include: { accessToken: true } });
  }

  /** Deletes the bot with its token and inbox connections; conversations it was assigned lose it. */
  async remove(platformAppId: number, botId: number): Promise<void> {
    await this.get(platformAppId, botId);
    await this.db.$transaction(async (tx) => {
      await revokePermissibles(tx, 'AgentBot', [botId]);
      await tx.agentBot.delete({ where: { id: botId } });
    });
  }

  /**
   * A bot may only be put into an account the platform app manages: its
   * token would otherwise reach a tenant that is not the app's.
   */
  private async requireAccount(platformAppId: number, accountId: number | null | undefined): Promise<void> {
    if (accountId === null || accountId === undefined) return;
    const account = await this.db.account.findUnique({ where: { id: accountId }, select: { id: true } });
    if (!account) throw ValidationError.of('account', 'Account must exist');
    await requirePermissible(this.db, platformAppId, 'Account', accountId);
  }
}
