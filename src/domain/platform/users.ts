/**
 * Users through the Platform API: a platform app creates users (an email
 * that already exists is reused, as Chatwoot does), shows, changes and
 * deletes the ones it may manage, and hands out SSO login links.
 */
import { z } from 'zod';
import type { PrismaClient } from '../../db.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import type { Outbox } from '../../events/outbox.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import { createAgentInput } from '../agents/service.ts';
import type { ProfileService } from '../profile/service.ts';
import { secureToken } from '../tokens.ts';
import { isStorable, jsonObject, parseInput, stringColumn, type RawInput } from '../validation.ts';
import type { LoginTokens } from './login-tokens.ts';
import { hashPassword, passwordInput } from './passwords.ts';
import { grantPermissible, requirePermissible, revokePermissibles } from './permissibles.ts';
import type { PlatformUserView } from './presenter.ts';

const userFields = {
  name: stringColumn().trim().min(1),
  displayName: stringColumn().nullish(),
  /** Devise's format, stored lower-cased. */
  email: createAgentInput.shape.email,
  password: passwordInput(),
  customAttributes: jsonObject(),
};

/** A new user: name, email and password are required (Devise's rules). */
export const createPlatformUserInput = z.object({ ...userFields, customAttributes: userFields.customAttributes.optional() });
export type CreatePlatformUserInput = z.input<typeof createPlatformUserInput>;

/** Only the keys given change; `custom_attributes` is merged into the stored ones. */
export const updatePlatformUserInput = createPlatformUserInput.partial();
export type UpdatePlatformUserInput = z.input<typeof updatePlatformUserInput>;

const emailTaken = () => ValidationError.of('email', 'Email has already been taken');

export class PlatformUserService {
  constructor(
    private readonly db: PrismaClient,
    private readonly outbox: Outbox,
    private readonly profiles: ProfileService,
    private readonly loginTokens: LoginTokens,
    private readonly frontendUrl: string,
  ) {}

  /**
   * Creates a user with an access token, or, when a user already has this
   * email, takes that user as it is (Chatwoot's `find_by(email) || new`);
   * either way the platform app may manage it from now on.
   */
  async create(platformAppId: number, raw: RawInput<CreatePlatformUserInput>): Promise<PlatformUserView> {
    // An email no row can hold finds nobody: parseInput below names it.
    const email = typeof raw.email === 'string' && isStorable(raw.email) ? raw.email.trim().toLowerCase() : undefined;
    const existing = email ? await this.db.user.findUnique({ where: { email }, select: { id: true } }) : null;
    if (existing) {
      await this.db.$transaction((tx) => grantPermissible(tx, platformAppId, 'User', existing.id));
      return this.view(existing.id);
    }
    const input = parseInput(createPlatformUserInput, raw);
    const encryptedPassword = await hashPassword(input.password);
    const userId = await this.reportingEmailTaken(() =>
      this.db.$transaction(async (tx) => {
        const user = await tx.user.create({
          data: {
            name: input.name,
            displayName: input.displayName,
            email: input.email,
            encryptedPassword,
            customAttributes: (input.customAttributes ?? {}) as object,
            pubsubToken: secureToken(),
            accessToken: { create: { token: secureToken() } },
          },
        });
        await grantPermissible(tx, platformAppId, 'User', user.id);
        return user.id;
      }),
    );
    return this.view(userId);
  }

  /** A user the platform app may manage: NotFound when it does not exist, `Non permissible resource` when not its. */
  async get(platformAppId: number, userId: number): Promise<PlatformUserView> {
    const exists = Number.isSafeInteger(userId) ? await this.db.user.findUnique({ where: { id: userId }, select: { id: true } }) : null;
    if (!exists) throw new NotFoundError('User');
    await requirePermissible(this.db, platformAppId, 'User', userId);
    return this.view(userId);
  }

  /** Changes name, display name, email (no re-confirmation), password or custom attributes (merged). */
  async update(platformAppId: number, userId: number, raw: RawInput<UpdatePlatformUserInput>): Promise<PlatformUserView> {
    const user = await this.get(platformAppId, userId);
    const input = parseInput(updatePlatformUserInput, raw);
    if (input.email !== undefined && input.email !== user.email) {
      const owner = await this.db.user.findUnique({ where: { email: input.email }, select: { id: true } });
      if (owner) throw emailTaken();
    }
    const encryptedPassword = input.password === undefined ? undefined : await hashPassword(input.password);
    const customAttributes =
      input.customAttributes === undefined
        ? undefined
        : ({ ...(user.customAttributes as object), ...input.customAttributes } as object);
    await this.reportingEmailTaken(() =>
      this.db.user.update({
        where: { id: userId },
        data: { name: input.name, displayName: input.displayName, email: input.email, encryptedPassword, customAttributes },
      }),
    );
    return this.view(userId);
  }

  /**
   * Deletes the user: their access token, memberships, inbox and team
   * memberships and login tokens go (the schema's cascades), their
   * conversations are unassigned and their messages keep no sender, and
   * every platform app's right to them is revoked, in one transaction.
   * Emits `agent.removed` in each account they belonged to.
   */
  async remove(platformAppId: number, userId: number): Promise<void> {
    const user = await this.get(platformAppId, userId);
    await this.outbox.transaction(async (tx, emit) => {
      for (const membership of user.accountUsers) await emit(membership.accountId, 'agent.removed', { userId });
      await revokePermissibles(tx, 'User', [userId]);
      await tx.user.delete({ where: { id: userId } });
    });
  }

  /** Chatwoot's SSO link: `<frontend>/app/login?email=…&sso_auth_token=…`, single-use, valid five minutes. */
  async loginUrl(platformAppId: number, userId: number): Promise<string> {
    const user = await this.get(platformAppId, userId);
    const token = await this.loginTokens.mint(userId);
    return `${this.frontendUrl}/app/login?email=${encodeURIComponent(user.email)}&sso_auth_token=${token}`;
  }

  private view(userId: number): Promise<PlatformUserView> {
    return this.profiles.get(userId);
  }

  /** Runs a write, reporting a uniqueness race on the email as the validation failure it is. */
  private async reportingEmailTaken<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw emailTaken();
      throw error;
    }
  }
}
