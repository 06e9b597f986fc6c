/**
 * First start: an empty database gets one account and one administrator with
 * an access token and a pubsub token. SNYPTO_ADMIN_TOKEN, when set, is that
 * administrator's token; SNYPTO_PLATFORM_TOKEN, when set, is a platform app's.
 */
import type { Config } from '../../config.ts';
import type { PrismaClient } from '../../db.ts';
import { secureToken } from '../tokens.ts';

export interface BootstrapResult {
  /** True when this start created the account and administrator. */
  created: boolean;
  accountId: number;
  adminEmail: string;
  adminToken: string;
}

export async function bootstrap(
  db: PrismaClient,
  config: Pick<Config, 'adminEmail' | 'adminToken' | 'platformToken'>,
): Promise<BootstrapResult> {
  const result = await db.$transaction(async (tx) => {
    const existing = await tx.accountUser.findFirst({
      where: { role: 'administrator' },
      orderBy: { id: 'asc' },
      include: { user: { include: { accessToken: true } } },
    });
    if (existing) {
      const token = existing.user.accessToken?.token;
      if (config.adminToken && token !== config.adminToken) {
        await tx.accessToken.upsert({
          where: { userId: existing.userId },
          update: { token: config.adminToken },
          create: { userId: existing.userId, token: config.adminToken },
        });
      }
      return {
        created: false,
        accountId: existing.accountId,
        adminEmail: existing.user.email,
        adminToken: config.adminToken ?? token ?? '',
      };
    }
    const account = await tx.account.create({ data: { name: 'Snypto' } });
    const adminToken = config.adminToken ?? secureToken();
    const user = await tx.user.create({
      data: {
        name: 'Administrator',
        email: config.adminEmail,
        pubsubToken: secureToken(),
        accessToken: { create: { token: adminToken } },
        accountUsers: {
          create: { accountId: account.id, role: 'administrator', availability: 'online', activeAt: new Date() },
        },
      },
    });
    return { created: true, accountId: account.id, adminEmail: user.email, adminToken };
  });
  if (config.platformToken) await ensurePlatformApp(db, config.platformToken);
  return result;
}

async function ensurePlatformApp(db: PrismaClient, token: string): Promise<void> {
  const existing = await db.accessToken.findUnique({ where: { token } });
  if (existing) return;
  await db.platformApp.create({
    data: { name: 'Snypto platform (SNYPTO_PLATFORM_TOKEN)', accessToken: { create: { token } } },
  });
}
