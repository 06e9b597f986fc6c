/**
 * What a platform app may manage: the records it created through the
 * Platform API, or was granted (`platform_app_permissibles`). Anything else
 * is refused with Chatwoot's `401 {"error":"Non permissible resource"}`.
 */
import { authFailure } from '../principal.ts';
import type { PrismaClient, Tx } from '../../db.ts';

export type PermissibleType = 'Account' | 'User' | 'AgentBot';

/** Records the platform app's right to a record it just created (inside the creating transaction). */
export async function grantPermissible(tx: Tx, platformAppId: number, type: PermissibleType, id: number): Promise<void> {
  await tx.platformAppPermissible.upsert({
    where: { platformAppId_permissibleType_permissibleId: { platformAppId, permissibleType: type, permissibleId: id } },
    update: {},
    create: { platformAppId, permissibleType: type, permissibleId: id },
  });
}

/** Throws `Non permissible resource` unless the platform app may manage the record. */
export async function requirePermissible(
  db: Pick<PrismaClient, 'platformAppPermissible'>,
  platformAppId: number,
  type: PermissibleType,
  id: number,
): Promise<void> {
  const row = await db.platformAppPermissible.findUnique({
    where: { platformAppId_permissibleType_permissibleId: { platformAppId, permissibleType: type, permissibleId: id } },
    select: { id: true },
  });
  if (!row) throw authFailure('not_permissible');
}

/** Forgets every platform app's right to records being deleted (the rows have no foreign key to cascade). */
export async function revokePermissibles(tx: Tx, type: PermissibleType, ids: number[]): Promise<void> {
  if (ids.length > 0) await tx.platformAppPermissible.deleteMany({ where: { permissibleType: type, permissibleId: { in: ids } } });
}
