/**
 * Finding records by more than a list filter (spec/API.md §3.4, §3.5):
 * Chatwoot's custom filters over contacts and conversations
 * (`POST /contacts/filter`, `POST /conversations/filter`) and the search of
 * conversations by message text (`GET /conversations/search`). Agents find
 * only the conversations of their inboxes, exactly as the list shows them
 * (access/rules.ts `conversationsReachedBy`, as a `where` or an SQL fragment).
 */
import type { PrismaClient } from '../../db.ts';
import { Prisma, type Contact } from '../../generated/prisma/client.ts';
import { conversationsReachedBy } from '../access/rules.ts';
import type { AccountActor } from '../actor.ts';
import type { ContactSearchInput } from '../contacts/search.ts';
import type { ContactService } from '../contacts/service.ts';
import { conversationListOrder } from '../conversations/list.ts';
import { CONVERSATIONS_PER_PAGE } from '../conversations/service.ts';
import { loadConversationViews, type ConversationView } from '../conversations/view.ts';
import { isStorable, type RawInput } from '../validation.ts';
import { ValidationError } from '../../errors.ts';
import { CONTACT_FILTER_ATTRIBUTES, CONVERSATION_FILTER_ATTRIBUTES } from './attributes.ts';
import { compileFilter, escapeLike } from './conditions.ts';

/** The assignee counts of a filter or search `meta`. */
export interface FoundCounts {
  mine: number;
  unassigned: number;
  all: number;
}

/** Message types a conversation search looks through (Chatwoot's ConversationFinder). */
const SEARCHED_MESSAGE_TYPES = ['incoming', 'outgoing'] as const;

const offsetOf = (page: number) => (Math.max(1, Math.floor(page)) - 1) * CONVERSATIONS_PER_PAGE;

export class FilterService {
  constructor(
    private readonly db: PrismaClient,
    private readonly contacts: ContactService,
  ) {}

  /**
   * `POST /contacts/filter`: one page of the account's resolved contacts
   * (with an email, phone number or identifier) matching the payload, in the
   * order `sort` asks (ContactService.search), and how many match in all.
   */
  filterContacts(
    actor: AccountActor,
    payload: unknown,
    sort: Pick<RawInput<ContactSearchInput>, 'sortBy' | 'sortDirection'>,
    page: { offset: number; limit: number },
    query: object = {},
  ): Promise<{ contacts: Contact[]; totalCount: number }> {
    const condition = compileFilter(payload, CONTACT_FILTER_ATTRIBUTES);
    return this.contacts.search(actor, { ...sort, resolvedOnly: true }, page, query, condition);
  }

  /**
   * `POST /conversations/filter`: one page (25) of the conversations the
   * actor may see that match the payload, most recent activity first, and
   * the counts (mine, unassigned, all) over every match.
   */
  async filterConversations(
    actor: AccountActor,
    payload: unknown,
    page = 1,
  ): Promise<{ views: ConversationView[]; counts: FoundCounts }> {
    const { ids, counts } = await this.matchConversations(actor, payload, page);
    return { views: await loadConversationViews(this.db, actor.accountId, ids), counts };
  }

  /** The ids (in order) of one page of `filterConversations`, and its counts. */
  async matchConversations(actor: AccountActor, payload: unknown, page = 1): Promise<{ ids: number[]; counts: FoundCounts }> {
    const condition = compileFilter(payload, CONVERSATION_FILTER_ATTRIBUTES);
    const where = Prisma.sql`${conversationsReachedBy(actor).sql('conversations')} AND (${condition})`;
    const mine =
      actor.kind === 'user' ? Prisma.sql`assignee_id = ${actor.userId}` : Prisma.sql`assignee_agent_bot_id = ${actor.agentBotId}`;
    const [rows, [counts]] = await Promise.all([
      this.db.$queryRaw<{ id: number }[]>`
        SELECT id FROM conversations WHERE ${where}
        ORDER BY last_activity_at DESC, id DESC LIMIT ${CONVERSATIONS_PER_PAGE} OFFSET ${offsetOf(page)}`,
      this.db.$queryRaw<FoundCounts[]>`
        SELECT COUNT(*) FILTER (WHERE ${mine})::int AS mine,
               COUNT(*) FILTER (WHERE assignee_id IS NULL)::int AS unassigned,
               COUNT(*)::int AS "all"
        FROM conversations WHERE ${where}`,
    ]);
    return { ids: rows.map((r) => r.id), counts: counts ?? { mine: 0, unassigned: 0, all: 0 } };
  }

  /**
   * `GET /conversations/search?q=`: one page (25) of the conversations the
   * actor may see, of any status, with an incoming or outgoing message
   * whose content contains `q` (case-insensitive, as text), each with just
   * those messages; and the counts over every match. A blank `q` matches
   * every such message.
   */
  async searchConversations(actor: AccountActor, q: string, page = 1) {
    // Text no message can hold is refused as every other search's query is (parseInput's rule).
    if (!isStorable(q)) throw ValidationError.of('q', 'Q is invalid');
    const matching: Prisma.MessageWhereInput = {
      messageType: { in: [...SEARCHED_MESSAGE_TYPES] },
      ...(q === '' ? {} : { content: { contains: escapeLike(q), mode: 'insensitive' } }),
    };
    const base: Prisma.ConversationWhereInput = { AND: [conversationsReachedBy(actor).where, { messages: { some: matching } }] };
    const mine: Prisma.ConversationWhereInput =
      actor.kind === 'user' ? { assigneeId: actor.userId } : { assigneeAgentBotId: actor.agentBotId };
    const [conversations, all, assignedToMe, unassigned] = await Promise.all([
      this.db.conversation.findMany({
        where: base,
        orderBy: conversationListOrder('last_activity_at_desc'),
        take: CONVERSATIONS_PER_PAGE,
        skip: offsetOf(page),
        include: {
          contact: { select: { id: true, name: true } },
          inbox: { select: { id: true, name: true, channelType: true } },
          messages: {
            where: matching,
            orderBy: { id: 'asc' },
            include: {
              senderContact: { select: { name: true } },
              senderUser: { select: { name: true } },
              senderAgentBot: { select: { name: true } },
            },
          },
        },
      }),
      this.db.conversation.count({ where: base }),
      this.db.conversation.count({ where: { AND: [base, mine] } }),
      this.db.conversation.count({ where: { AND: [base, { assigneeId: null }] } }),
    ]);
    return { conversations, counts: { mine: assignedToMe, unassigned, all } satisfies FoundCounts };
  }
}

export type FoundConversation = Awaited<ReturnType<FilterService['searchConversations']>>['conversations'][number];
