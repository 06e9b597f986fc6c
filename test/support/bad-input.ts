/**
 * The bad-input sweep's tools: Chatwoot's error bodies, ids that name no
 * record, a malformed JSON body, and proof that a refused request wrote
 * nothing (a fingerprint of every table a request can change: its row count
 * and latest `updated_at`, the outbox's latest event id, taken before and
 * after the request).
 */
import { expect, it } from 'vitest';
import type { Reply, RequestOptions } from './http.ts';
import type { TestServer } from './server.ts';

export const NOT_FOUND = { error: 'Resource could not be found' };
export const INVALID_JSON = { error: 'The request body is not valid JSON' };
/** A JSON body cut short. */
export const MALFORMED_JSON: RequestOptions = { raw: { contentType: 'application/json', data: '{"name": "x", ' } };

/** Path ids that name no record: malformed, fractional, beyond the integer column, unknown. */
export const MISSING_IDS = ['abc', '1.5', '2147483648', '99999999'] as const;

/** A record validation failure (`{"message","attributes"}`). */
export const invalidRecord = (message: string, ...attributes: string[]) => ({ message, attributes });
/** A validation failure raised as an exception (message create, conversation create). */
export const failedValidation = (message: string) => ({ error: `Validation failed: ${message}` });
export const tooLong = (attribute: string, maximum: number) => `${attribute} is too long (maximum is ${maximum} characters)`;

/** One string longer than each limit of spec/API.md §1.5. */
export const OVERSIZE = {
  string: 'a'.repeat(256),
  text: 'a'.repeat(20_001),
  messageContent: 'a'.repeat(150_001),
  url: `https://example.com/${'a'.repeat(2030)}`,
} as const;

/** Tables with an `updated_at` column that requests write (webhook deliveries are left out: the worker updates them). */
const UPDATED_TABLES = [
  'accounts',
  'users',
  'account_users',
  'access_tokens',
  'agent_bots',
  'agent_bot_inboxes',
  'channel_api',
  'inboxes',
  'inbox_members',
  'teams',
  'contacts',
  'contact_inboxes',
  'conversations',
  'messages',
  'webhooks',
] as const;

export async function writeFingerprint(server: TestServer): Promise<Record<string, string>> {
  const db = server.app.database.prisma;
  const parts = UPDATED_TABLES.map(
    (table) => `(SELECT count(*) || '@' || coalesce(max(updated_at)::text, '-') FROM ${table}) AS ${table}`,
  );
  parts.push(`(SELECT count(*) || '@' || coalesce(max(id)::text, '-') FROM events) AS events`);
  parts.push(`(SELECT count(*)::text FROM team_members) AS team_members`);
  const [row] = await db.$queryRawUnsafe<Record<string, string>[]>(`SELECT ${parts.join(', ')}`);
  return row!;
}

/**
 * Sends a request that must be refused, checks its status and exact body,
 * and that the database is exactly as it was.
 */
export async function expectRefused(
  server: TestServer,
  send: () => Promise<Reply>,
  status: number,
  body: unknown,
): Promise<Reply> {
  const before = await writeFingerprint(server);
  const reply = await send();
  expect({ status: reply.status, body: reply.body }).toEqual({ status, body });
  expect(await writeFingerprint(server)).toEqual(before);
  return reply;
}

/** One refusal: a title, the request, the status and exact body it must get. */
export type RefusalCase = [title: string, send: () => Promise<Reply>, status: number, body: unknown];

/** One test per case: the request is refused as stated and writes nothing. */
export function sweep(server: () => TestServer, cases: RefusalCase[]): void {
  for (const [title, send, status, body] of cases) it(title, () => expectRefused(server(), send, status, body));
}

/** The 404 cases of a route whose id names no record of the account: MISSING_IDS and another account's id. */
export function missingIdCases(
  route: string,
  send: (id: string | number) => Promise<Reply>,
  foreignId: () => number,
): RefusalCase[] {
  return [
    ...MISSING_IDS.map((id): RefusalCase => [`${route} with id ${id} → 404`, () => send(id), 404, NOT_FOUND]),
    [`${route} with another account's id → 404`, () => send(foreignId()), 404, NOT_FOUND],
  ];
}
