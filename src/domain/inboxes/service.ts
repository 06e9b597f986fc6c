/**
 * API-channel inboxes (spec/API.md §3.1–3.2): the rules and transactions.
 * Who reaches an inbox is access/rules.ts `inboxesReachedBy` (through
 * actor.ts `loadAccessibleInbox` for one inbox).
 */
import { z } from 'zod';
import type { PrismaClient } from '../../db.ts';
import { NotFoundError } from '../../errors.ts';
import type { Outbox } from '../../events/outbox.ts';
import { DestinationGuard } from '../../webhooks/destination-guard.ts';
import { inboxesReachedBy } from '../access/rules.ts';
import { loadAccessibleInbox, performerOf, requireAdministrator, type AccountActor } from '../actor.ts';
import { secureToken, webhookSecret } from '../tokens.ts';
import { parseInput, type RawInput } from '../validation.ts';
import { checkDestination, inboxWebhookTarget } from '../webhooks/destination.ts';
import { InboxMembers } from './members.ts';
import {
  DEFAULT_WORKING_HOURS,
  changedAttributes,
  changedColumns,
  inboxAttributesInput,
  mergeWorkingHours,
  workingHoursDayInput,
} from './settings.ts';

export { DEFAULT_WORKING_HOURS };

/** A new inbox: a name, optional settings and the API channel's webhookUrl, hmacMandatory and additionalAttributes. */
export const createInboxInput = inboxAttributesInput;
export type CreateInboxInput = z.input<typeof createInboxInput>;

/** Every attribute optional; `workingHours` changes only the days it names. */
export const updateInboxInput = inboxAttributesInput.partial().extend({
  workingHours: z.array(workingHoursDayInput).max(7).optional(),
});
export type UpdateInboxInput = z.input<typeof updateInboxInput>;

const inboxInclude = { channel: true } as const;
const blankToNull = (value: string | null | undefined) => (value === undefined ? undefined : value?.trim() ? value : null);

export class InboxService {
  private readonly membership: InboxMembers;

  constructor(
    private readonly db: PrismaClient,
    private readonly outbox: Outbox,
    /** Refuses webhook URLs on private addresses (SSRF), unless SNYPTO_WEBHOOK_ALLOW_PRIVATE. */
    private readonly destinations = new DestinationGuard({ allowPrivate: false }),
  ) {
    this.membership = new InboxMembers(db, outbox);
  }

  /** Creates an API-channel inbox with a new identifier, HMAC token and webhook secret (administrators). */
  async create(actor: AccountActor, raw: RawInput<CreateInboxInput>) {
    requireAdministrator(actor);
    const { webhookUrl, hmacMandatory, additionalAttributes, csatConfig, autoAssignmentConfig, ...inbox } = parseInput(
      createInboxInput,
      raw,
    );
    await this.checkWebhookUrl(blankToNull(webhookUrl));
    return this.outbox.transaction(async (tx, emit) => {
      const channel = await tx.channelApi.create({
        data: {
          accountId: actor.accountId,
          webhookUrl: blankToNull(webhookUrl) ?? null,
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
          ...(csatConfig ? { csatConfig: csatConfig as object } : {}),
          ...(autoAssignmentConfig ? { autoAssignmentConfig: autoAssignmentConfig as object } : {}),
          accountId: actor.accountId,
          channelId: channel.id,
          workingHours: DEFAULT_WORKING_HOURS as object[],
        },
        include: inboxInclude,
      });
      await emit(actor.accountId, 'inbox.created', { inboxId: created.id }, performerOf(actor));
      return created;
    });
  }

  /** One inbox the actor may see (administrators: any of the account; agents: their member inboxes). */
  async get(actor: AccountActor, inboxId: number) {
    await loadAccessibleInbox(this.db, actor, inboxId);
    return this.db.inbox.findUniqueOrThrow({ where: { id: inboxId }, include: inboxInclude });
  }

  /**
   * Ids of the inboxes the actor may see, ordered by lower(name) as Chatwoot
   * lists them: every inbox of the account for administrators and agent
   * bots, the member inboxes for agents.
   */
  async visibleIds(actor: AccountActor): Promise<number[]> {
    const rows = await this.db.$queryRaw<{ id: number }[]>`
      SELECT i.id FROM inboxes i WHERE ${inboxesReachedBy(actor).sql('i')} ORDER BY lower(i.name), i.id`;
    return rows.map((row) => Number(row.id));
  }

  /** The inboxes the actor may see, with their channels, ordered by lower(name). */
  async list(actor: AccountActor) {
    const ids = await this.visibleIds(actor);
    const rows = await this.db.inbox.findMany({ where: { id: { in: ids } }, include: inboxInclude });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /**
   * Changes the inbox's attributes and its API channel's settings
   * (administrators). Emits `inbox.updated` with the inbox columns that
   * changed, in Chatwoot's `changed_attributes` shape.
   */
  async update(actor: AccountActor, inboxId: number, raw: RawInput<UpdateInboxInput>) {
    const inbox = await this.administeredInbox(actor, inboxId);
    const { webhookUrl, hmacMandatory, additionalAttributes, workingHours, csatConfig, autoAssignmentConfig, ...rest } =
      parseInput(updateInboxInput, raw);
    const inboxChanges = changedColumns(inbox, {
      ...rest,
      csatConfig: csatConfig as object | undefined,
      autoAssignmentConfig: autoAssignmentConfig as object | undefined,
      workingHours: workingHours && (mergeWorkingHours(inbox.workingHours, workingHours) as object[]),
    });
    const channelChanges = Object.fromEntries(
      Object.entries({ webhookUrl: blankToNull(webhookUrl), hmacMandatory, additionalAttributes }).filter(
        ([key, value]) =>
          value !== undefined && JSON.stringify(value) !== JSON.stringify(inbox.channel[key as keyof typeof inbox.channel]),
      ),
    );
    await this.checkWebhookUrl(channelChanges.webhookUrl as string | null | undefined);
    return this.outbox.transaction(async (tx, emit) => {
      const columns = Object.keys(inboxChanges);
      const updated = columns.length > 0 ? await tx.inbox.update({ where: { id: inbox.id }, data: inboxChanges }) : inbox;
      if (Object.keys(channelChanges).length > 0)
        await tx.channelApi.update({ where: { id: inbox.channelId }, data: channelChanges });
      await emit(
        actor.accountId,
        'inbox.updated',
        { inboxId: inbox.id, changedAttributes: changedAttributes(inbox, updated, columns) },
        performerOf(actor),
      );
      return tx.inbox.findUniqueOrThrow({ where: { id: inbox.id }, include: inboxInclude });
    });
  }

  /**
   * Deletes the inbox with its channel, members, contact inboxes,
   * conversations and messages, at once (administrators; Chatwoot queues
   * the same deletion as a job). Emits `inbox.deleted`.
   */
  async delete(actor: AccountActor, inboxId: number): Promise<void> {
    const inbox = await this.administeredInbox(actor, inboxId);
    await this.outbox.transaction(async (tx, emit) => {
      await emit(actor.accountId, 'inbox.deleted', { inboxId: inbox.id }, performerOf(actor));
      // The inbox belongs to its channel: deleting the channel cascades to the inbox and all it holds.
      await tx.channelApi.delete({ where: { id: inbox.channelId } });
    });
  }

  /**
   * Connects an agent bot to the inbox, replacing any other, or disconnects
   * it with null (administrators). The bot must be the account's own or a
   * global one (NotFound otherwise).
   */
  async setAgentBot(actor: AccountActor, inboxId: number, agentBotId: number | null): Promise<void> {
    const inbox = await this.administeredInbox(actor, inboxId);
    if (agentBotId === null) {
      await this.db.agentBotInbox.deleteMany({ where: { inboxId: inbox.id } });
      return;
    }
    const bot = Number.isSafeInteger(agentBotId)
      ? await this.db.agentBot.findFirst({
          where: { id: agentBotId, OR: [{ accountId: actor.accountId }, { accountId: null }] },
          select: { id: true },
        })
      : null;
    if (!bot) throw new NotFoundError('AgentBot');
    await this.db.agentBotInbox.upsert({
      where: { inboxId: inbox.id },
      create: { inboxId: inbox.id, agentBotId: bot.id, accountId: actor.accountId, status: 'active' },
      update: { agentBotId: bot.id, status: 'active' },
    });
  }

  /**
   * The agent bot connected to the inbox, with its access token, or null
   * (administrators and members of the inbox).
   */
  async agentBot(actor: AccountActor, inboxId: number) {
    await loadAccessibleInbox(this.db, actor, inboxId);
    const link = await this.db.agentBotInbox.findUnique({
      where: { inboxId },
      include: { agentBot: { include: { accessToken: true } } },
    });
    return link?.agentBot ?? null;
  }

  /** The inbox's members in membership order (administrators and members of the inbox). */
  members(actor: AccountActor, inboxId: number) {
    return this.membership.list(actor, inboxId);
  }

  /** Members of the inbox and administrators of the account: who may be assigned its conversations. */
  assignableAgents(actor: AccountActor, inboxId: number) {
    return this.membership.assignable(actor, inboxId);
  }

  /** Adds users as members (administrators); returns the full member list. */
  addMembers(actor: AccountActor, inboxId: number, userIds: unknown[]) {
    return this.membership.add(actor, inboxId, userIds);
  }

  /** Replaces the member set (administrators); returns the full member list. */
  setMembers(actor: AccountActor, inboxId: number, userIds: unknown[]) {
    return this.membership.set(actor, inboxId, userIds);
  }

  /** Removes members (administrators); unknown and non-member ids are ignored. */
  removeMembers(actor: AccountActor, inboxId: number, userIds: unknown[]) {
    return this.membership.remove(actor, inboxId, userIds);
  }

  /** A webhook_url on a private address is refused (SSRF), by the check account webhook URLs go through. */
  private async checkWebhookUrl(url: string | null | undefined) {
    if (url) await checkDestination(this.destinations, 'webhookUrl', inboxWebhookTarget(url));
  }

  /** An inbox of the actor's account (else NotFound) that the actor administers (else Forbidden). */
  private async administeredInbox(actor: AccountActor, inboxId: number) {
    const inbox = Number.isSafeInteger(inboxId)
      ? await this.db.inbox.findFirst({ where: { id: inboxId, accountId: actor.accountId }, include: inboxInclude })
      : null;
    if (!inbox) throw new NotFoundError('Inbox');
    requireAdministrator(actor);
    return inbox;
  }
}
