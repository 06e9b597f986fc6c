/**
 * The GraphQL benchmarks' data: an inbox, two agents, and conversations
 * with a contact, an assignee and three messages each, created through the
 * REST API with the bootstrap administrator's token; and a writer that
 * keeps posting messages.
 */
import { rest } from '../support.ts';

/** The administrator token the benchmarked servers are started with (SNYPTO_ADMIN_TOKEN). */
export const BENCH_TOKEN = 'bench-admin-token-0123456789';

export interface Seeded {
  /** The account's global id. */
  account: string;
  /** REST paths of the seeded conversations' messages, for the writer. */
  messagePaths: string[];
}

/** An inbox, two agents, and conversations with a contact, an assignee and three messages each (`counter.done` counts them). */
export async function seed(url: string, conversationCount: number, counter: { done: number } = { done: 0 }): Promise<Seeded> {
  const messagePaths: string[] = [];
  const profile = await rest(url, BENCH_TOKEN, 'GET', '/api/v1/profile');
  const account = `/api/v1/accounts/${profile.account_id}`;
  const inbox = await rest(url, BENCH_TOKEN, 'POST', `${account}/inboxes`, { name: 'Bench', channel: { type: 'api' } });
  const agents = [];
  for (const n of [1, 2]) {
    const agent = await rest(url, BENCH_TOKEN, 'POST', `${account}/agents`, { name: `Agent ${n}`, email: `agent${n}@bench.test` });
    agents.push(agent.id);
  }
  await rest(url, BENCH_TOKEN, 'POST', `${account}/inbox_members`, { inbox_id: inbox.id, user_ids: agents });
  for (let i = 0; i < conversationCount; i++) {
    const contact = await rest(url, BENCH_TOKEN, 'POST', `${account}/contacts`, {
      name: `Customer ${i}`,
      email: `customer${i}@bench.test`,
      inbox_id: inbox.id,
    });
    const conversation = await rest(url, BENCH_TOKEN, 'POST', `${account}/conversations`, {
      source_id: contact.payload.contact_inbox.source_id,
      assignee_id: agents[i % 2],
    });
    const messages = `${account}/conversations/${conversation.id}/messages`;
    messagePaths.push(messages);
    for (const [content, type] of [['Hello', 'incoming'], ['Hi, how can I help?', 'outgoing'], ['My order is late', 'incoming']])
      await rest(url, BENCH_TOKEN, 'POST', messages, { content, message_type: type });
    counter.done++;
  }
  return { account: Buffer.from(`Account:${profile.account_id}`).toString('base64'), messagePaths };
}

/**
 * Posts an incoming message `perSecond` times a second, round-robin over the
 * conversations (staying under Chatwoot's 200 messages a minute per
 * conversation), until stopped; returns how many it posted.
 */
export function startWriter(url: string, messagePaths: string[], perSecond: number) {
  let posted = 0;
  let failed = 0;
  const timer = setInterval(() => {
    const path = messagePaths[posted % messagePaths.length]!;
    posted++;
    rest(url, BENCH_TOKEN, 'POST', path, { content: `write ${posted}`, message_type: 'incoming' }).catch(() => failed++);
  }, 1000 / perSecond);
  return () => {
    clearInterval(timer);
    return { posted, failed };
  };
}
