/**
 * API-channel inboxes and their members: the rules and transactions.
 */
import { z } from 'zod';
import type { PrismaClient } from '../../db.ts';
import { ValidationError, NotFoundError } from '../../errors.ts';
import type { Outbox } from '../../events/outbox.ts';
import { loadAccessibleInbox, requireAdministrator, type AccountActor } from '../actor.ts';
import { secureToken, webhookSecret } from '../tokens.ts';
import { LIMITS, jsonObject, parseInput, type RawInput, stringColumn } from '../validation.ts';

/** Chatwoot's default schedule: Sunday and Saturday closed, Monday–Friday 9:00–17:00. */
export const DEFAULT_WORKING_HOURS = Array.from({ length: 7 }, (_, day) => {
  const weekday = day >= 1 && day <= 5;
  return {
    day_of_week: day,
    closed_all_day: !weekday,
    open_hour: weekday ? 9 : null,
    open_minutes: weekday ? 0 : null,
    close_hour: weekday ? 17 : null,
    close_minutes: weekday ? 0 : null,
    open_all_day: false,
  };
});

export const createInboxInput = z.object({
  name: stringColumn().min(1),
  webhookUrl: z.string().max(LIMITS.url).nullish(),
  hmacMandatory: z.boolean().optional(),
  additionalAttributes: jsonObject().optional(),
  greetingEnabled: z.boolean().optional(),
  greetingMessage: z.string().max(10_000).nullish(),
  enableEmailCollect: z.boolean().optional(),
  csatSurveyEnabled: z.boolean().optional(),
  enableAutoAssignment: z.boolean().optional(),
  workingHoursEnabled: z.boolean().optional(),
  outOfOfficeMessage: z.string().max(10_000).nullish(),
  timezone: stringColumn().optional(),
  allowMessagesAfterResolved: z.boolean().optional(),
  lockToSingleConversation: z.boolean().optional(),
  senderNameType: z.enum(['friendly', 'professional']).optional(),
  businessName: stringColumn().nullish(),
});
export type CreateInboxInput = z.input<typeof createInboxInput>;

const inboxInclude = { channel: true } as const;

export class InboxService {
  constructor(
    private readonly db: PrismaClient,
    private readonly outbox: Outbox,
  ) {}

  /** Creates an API-channel inbox with a new identifier, HMAC token and webhook secret. */
  async create(actor: AccountActor, raw: RawInput<CreateInboxInput>) {
    requireAdministrator(actor);
    const { webhookUrl, hmacMandatory, additionalAttributes, ...inbox } = parseInput(createInboxInput, raw);
    return this.outbox.transaction(async (tx, emit) => {
      const channel = await tx.channelApi.create({
        data: {
          accountId: actor.accountId,
          webhookUrl: webhookUrl || null,
          hmacMandatory: hmacMandatory ?? false,
          additionalAttributes: (additionalAttributes ?? {}) as object,
          identifier: secureToken(),
          hmacToken: secureToken(),
          secret: webhookSecret(),
        },
      });
      const created = await tx.inbox.create({
        data: {
          ...inbox,
          accountId: actor.accountId,
          channelId: channel.id,
          workingHours: DEFAULT_WORKING_HOURS,
        },
        include: inboxInclude,
      });
      await emit(actor.accountId, 'inbox.created', { inboxId: created.id });
      return created;
    });
  }

  /** One inbox the actor may see. */
  async get(actor: AccountActor, inboxId: number) {
    await loadAccessibleInbox(this.db, actor, inboxId);
    return this.db.inbox.findUniqueOrThrow({ where: { id: inboxId }, include: inboxInclude });
  }

  /** The inbox's members, in membership order, with their membership of the account. */
  async members(actor: AccountActor, inboxId: number) {
    await loadAccessibleInbox(this.db, actor, inboxId);
    return this.loadMembers(this.db, actor.accountId, inboxId);
  }

  /** Adds the users that are not members yet; every id must be a user of the account. */
  async addMembers(actor: AccountActor, inboxId: number, userIds: unknown[]) {
    requireAdministrator(actor);
    const inbox = Number.isSafeInteger(inboxId)
      ? await this.db.inbox.findFirst({ where: { id: inboxId, accountId: actor.accountId } })
      : null;
    if (!inbox) throw new NotFoundError('Inbox');
    const ids = await this.accountUserIds(actor.accountId, userIds);
    return this.outbox.transaction(async (tx) => {
      await tx.inboxMember.createMany({
        data: ids.map((userId) => ({ inboxId, userId })),
        skipDuplicates: true,
      });
      return this.loadMembers(tx, actor.accountId, inboxId);
    });
  }

  private async accountUserIds(accountId: number, userIds: unknown[]): Promise<number[]> {
    const ids = userIds.map((id) => (typeof id === 'number' || /^\d+$/.test(String(id)) ? Number(id) : NaN));
    const known = await this.db.accountUser.findMany({
      where: { accountId, userId: { in: ids.filter((id) => Number.isSafeInteger(id)) } },
      select: { userId: true },
    });
    const knownIds = new Set(known.map((k) => k.userId));
    if (ids.some((id) => !knownIds.has(id))) throw ValidationError.of('user', 'User must exist');
    return [...new Set(ids)];
  }

  private async loadMembers(db: Pick<PrismaClient, 'inboxMember'>, accountId: number, inboxId: number) {
    const rows = await db.inboxMember.findMany({
      where: { inboxId },
      orderBy: { id: 'asc' },
      include: { user: { include: { accountUsers: { where: { accountId } } } } },
    });
    return rows.map((row) => row.user);
  }
}
