/**
 * A conversation's database id from the number the REST paths show (its
 * per-account display id). Services take database ids; the REST adapter
 * resolves `(account_id, display_id)` here once per request, before the
 * route runs. Who may reach the conversation is the service's question:
 * this only finds it.
 *
 * A display id never changes and is never handed out twice in an account,
 * so what was found is kept (a bounded map, oldest first out); what was not
 * found is not kept (it may be created next). A conversation deleted since is
 * the service's NotFound, from its own read by id.
 */
import type { PrismaClient } from '../../db.ts';
import { NotFoundError } from '../../errors.ts';
import { fitsIntegerColumn } from '../validation.ts';

/** Pairs kept: a few MB at most. */
const MAX_KEPT = 50_000;

export class ConversationIds {
  private readonly kept = new Map<string, number>();

  constructor(private readonly db: PrismaClient) {}

  /** The id of the account's conversation with this display id; NotFound when there is none. */
  async idOf(accountId: number, displayId: number): Promise<number> {
    if (!fitsIntegerColumn(displayId) || !fitsIntegerColumn(accountId)) throw new NotFoundError('Conversation');
    const key = `${accountId}:${displayId}`;
    const known = this.kept.get(key);
    if (known !== undefined) return known;
    const row = await this.db.conversation.findUnique({
      where: { accountId_displayId: { accountId, displayId } },
      select: { id: true },
    });
    if (!row) throw new NotFoundError('Conversation');
    if (this.kept.size >= MAX_KEPT) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(key, row.id);
    return row.id;
  }
}
