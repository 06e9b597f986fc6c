/**
 * Single-use SSO login tokens (`GET /platform/api/v1/users/{id}/login`), as
 * Chatwoot's `generate_sso_auth_token`: valid for five minutes, redeemable
 * once. Only a SHA-256 digest is stored. No sign-in page redeems them yet;
 * `redeem` is the contract such a page will call.
 */
import { createHash } from 'node:crypto';
import type { PrismaClient } from '../../db.ts';
import { secureToken } from '../tokens.ts';

/** How long a login link stays valid (Chatwoot: five minutes). */
export const LOGIN_TOKEN_TTL_MS = 5 * 60 * 1000;

const digestOf = (token: string) => createHash('sha256').update(token).digest('hex');

export class LoginTokens {
  constructor(
    private readonly db: PrismaClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A new token for the user; expired tokens of theirs are dropped on the way. */
  async mint(userId: number): Promise<string> {
    const token = secureToken();
    const now = this.now();
    await this.db.$transaction([
      this.db.userLoginToken.deleteMany({ where: { userId, expiresAt: { lte: now } } }),
      this.db.userLoginToken.create({
        data: { userId, digest: digestOf(token), expiresAt: new Date(now.getTime() + LOGIN_TOKEN_TTL_MS) },
      }),
    ]);
    return token;
  }

  /**
   * The user the token signs in, or null when it is unknown, expired, already
   * used or belongs to another email. Redeeming consumes it.
   */
  async redeem(email: string, token: string): Promise<number | null> {
    const row = await this.db.userLoginToken.findUnique({
      where: { digest: digestOf(token) },
      include: { user: { select: { email: true } } },
    });
    if (!row) return null;
    // deleteMany, not delete: of two concurrent redemptions only one removes the row.
    const { count } = await this.db.userLoginToken.deleteMany({ where: { id: row.id } });
    const valid = count === 1 && row.expiresAt > this.now() && row.user.email === email.trim().toLowerCase();
    return valid ? row.userId : null;
  }
}
