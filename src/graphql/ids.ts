/**
 * Global ids in arguments. Every object's `id` is a Relay global id
 * (base64 of `Type:databaseId`); arguments take them as `ID` and decode them
 * here, so that a malformed id or one of the wrong type is a typed
 * ValidationError naming the argument, never an unexpected error.
 */
import { decodeGlobalID } from '@pothos/plugin-relay';
import type { AccountActor } from '../domain/actor.ts';
import { AuthError } from '../auth.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { fitsIntegerColumn } from '../domain/validation.ts';
import type { Context } from '../context.ts';

/** The database id inside `globalId`, which must name a `typename`. */
export function databaseIdOf(typename: string, globalId: string | number, field: string): number {
  let decoded: { typename: string; id: string } | undefined;
  try {
    decoded = decodeGlobalID(String(globalId));
  } catch {
    decoded = undefined;
  }
  const id = decoded?.typename === typename && /^\d{1,15}$/.test(decoded.id) ? Number(decoded.id) : NaN;
  if (!Number.isSafeInteger(id))
    throw new ValidationError([{ path: [field], message: `${field} is not a valid ${typename} id` }]);
  // Beyond the id column's range no record exists (as REST answers 404 for such an id); the database would refuse the lookup.
  if (!fitsIntegerColumn(id)) throw new NotFoundError(typename);
  return id;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether the id inside a `node`/`nodes` global id can name a record at all:
 * a positive integer in PostgreSQL's `integer` range (written plainly, so
 * `1.5` or `1e3` is not read as another id) or a UUID. Any other id names
 * nothing and is answered null without asking the database, which would
 * refuse the lookup.
 */
export const canNameRecord = (decoded: { id: unknown } | null | undefined): boolean => {
  const id = String(decoded?.id ?? '');
  return UUID.test(id) || (/^[1-9]\d{0,9}$/.test(id) && fitsIntegerColumn(Number(id)));
};

/** Like databaseIdOf, for an optional argument. */
export const optionalDatabaseIdOf = (typename: string, globalId: string | number | null | undefined, field: string) =>
  globalId == null ? undefined : databaseIdOf(typename, globalId, field);

/**
 * The caller acting in an account. An account the caller is not a member of
 * is reported as not found, so that ids never reveal other tenants.
 */
export async function actorInAccount(context: Context, accountId: number, resource = 'Account'): Promise<AccountActor> {
  try {
    return await context.actorIn(accountId);
  } catch (error) {
    // Bad credentials stay what they are; being outside the account looks like absence.
    const outside = error instanceof AuthError && !['missing_credentials', 'invalid_token'].includes(error.reason);
    if (outside || error instanceof NotFoundError) throw new NotFoundError(resource);
    throw error;
  }
}

/** The caller acting in the account a global Account id names. */
export const actorForAccount = (context: Context, globalId: string | number, field = 'accountId') =>
  actorInAccount(context, databaseIdOf('Account', globalId, field));

type Located = { accountId: number | null; [key: string]: unknown } | null;

/** How to find the account of each kind of object a mutation may name. */
const ACCOUNT_OF = {
  Inbox: (db, id) => db.inbox.findUnique({ where: { id }, select: { accountId: true } }),
  Contact: (db, id) => db.contact.findUnique({ where: { id }, select: { accountId: true } }),
  Conversation: (db, id) => db.conversation.findUnique({ where: { id }, select: { accountId: true, displayId: true } }),
  Message: (db, id) => db.message.findUnique({ where: { id }, select: { accountId: true, conversationId: true } }),
  Agent: (db, id) => db.accountUser.findUnique({ where: { id }, select: { accountId: true, userId: true } }),
  AgentBot: (db, id) => db.agentBot.findUnique({ where: { id }, select: { accountId: true } }),
  Team: (db, id) => db.team.findUnique({ where: { id }, select: { accountId: true } }),
  Webhook: (db, id) => db.webhook.findUnique({ where: { id }, select: { accountId: true } }),
} satisfies Record<string, (db: Context['db'], id: number) => Promise<Located>>;

export type LocatableType = keyof typeof ACCOUNT_OF;
type RecordOf<T extends LocatableType> = NonNullable<Awaited<ReturnType<(typeof ACCOUNT_OF)[T]>>>;

/**
 * Decodes a global id, loads the object's account and the caller acting in
 * it: `{ actor, id, record }`. Unknown ids and objects of other accounts are
 * both NotFound.
 */
export async function locate<T extends LocatableType>(
  context: Context,
  typename: T,
  globalId: string | number,
  field: string,
): Promise<{ actor: AccountActor; id: number; record: RecordOf<T> }> {
  const id = databaseIdOf(typename, globalId, field);
  const record = (await ACCOUNT_OF[typename](context.db, id)) as RecordOf<T> | null;
  if (!record || record.accountId === null) throw new NotFoundError(typename);
  const actor = await actorInAccount(context, record.accountId, typename);
  return { actor, id, record };
}
