/**
 * Accounts through the Platform API: a platform app creates tenants, and
 * shows, changes or deletes the ones it created (or was granted).
 */
import { z } from 'zod';
import type { PrismaClient } from '../../db.ts';
import { NotFoundError } from '../../errors.ts';
import type { Account } from '../../generated/prisma/client.ts';
import { jsonObject, parseInput, stringColumn, type RawInput } from '../validation.ts';
import { grantPermissible, requirePermissible, revokePermissibles } from './permissibles.ts';

/** Chatwoot's limit on an account's custom domain. */
const DOMAIN_MAX = 100;
/** `en`, `pt_BR`, `zh-TW`: an ISO 639 code with an optional region. */
const LOCALE = /^[a-z]{2,3}(?:[_-][A-Za-z]{2,4})?$/;

const accountFields = {
  name: stringColumn().trim().min(1),
  locale: stringColumn().regex(LOCALE),
  domain: z.string().max(DOMAIN_MAX).nullable(),
  supportEmail: stringColumn().nullable(),
  status: z.enum(['active', 'suspended']),
  limits: jsonObject(),
  customAttributes: jsonObject(),
};

/** A new account: a name; locale `en` and status `active` unless given. */
export const createPlatformAccountInput = z.object({
  ...accountFields,
  locale: accountFields.locale.optional(),
  domain: accountFields.domain.optional(),
  supportEmail: accountFields.supportEmail.optional(),
  status: accountFields.status.optional(),
  limits: accountFields.limits.optional(),
  customAttributes: accountFields.customAttributes.optional(),
});
export type CreatePlatformAccountInput = z.input<typeof createPlatformAccountInput>;

/** Only the keys given change; `limits` and `custom_attributes` are replaced whole, as Rails assigns them. */
export const updatePlatformAccountInput = createPlatformAccountInput.partial();
export type UpdatePlatformAccountInput = z.input<typeof updatePlatformAccountInput>;

type AccountData = z.output<typeof updatePlatformAccountInput>;
const dataOf = ({ limits, customAttributes, ...rest }: AccountData) => ({
  ...rest,
  limits: limits as object | undefined,
  customAttributes: customAttributes as object | undefined,
});

export class PlatformAccountService {
  constructor(private readonly db: PrismaClient) {}

  /** Creates an account and records the platform app's right to it, in one transaction. */
  async create(platformAppId: number, raw: RawInput<CreatePlatformAccountInput>): Promise<Account> {
    const input = parseInput(createPlatformAccountInput, raw);
    return this.db.$transaction(async (tx) => {
      const account = await tx.account.create({ data: { ...dataOf(input), name: input.name } });
      await grantPermissible(tx, platformAppId, 'Account', account.id);
      return account;
    });
  }

  /** An account the platform app may manage: NotFound when it does not exist, `Non permissible resource` when not its. */
  async get(platformAppId: number, accountId: number): Promise<Account> {
    const account = Number.isSafeInteger(accountId) ? await this.db.account.findUnique({ where: { id: accountId } }) : null;
    if (!account) throw new NotFoundError('Account');
    await requirePermissible(this.db, platformAppId, 'Account', account.id);
    return account;
  }

  async update(platformAppId: number, accountId: number, raw: RawInput<UpdatePlatformAccountInput>): Promise<Account> {
    await this.get(platformAppId, accountId);
    const input = parseInput(updatePlatformAccountInput, raw);
    return this.db.account.update({ where: { id: accountId }, data: dataOf(input) });
  }

  /**
   * Deletes the account with everything in it (memberships, inboxes,
   * contacts, conversations, messages, webhooks, its agent bots: the
   * schema's cascades) and every platform app's rights to it and its bots,
   * in one transaction. Users stay: they may belong to other accounts.
   */
  async remove(platformAppId: number, accountId: number): Promise<void> {
    await this.get(platformAppId, accountId);
    await this.db.$transaction(async (tx) => {
      const bots = await tx.agentBot.findMany({ where: { accountId }, select: { id: true } });
      await revokePermissibles(
        tx,
        'AgentBot',
        bots.map((bot) => bot.id),
      );
      await revokePermissibles(tx, 'Account', [accountId]);
      await tx.account.delete({ where: { id: accountId } });
    });
  }
}
