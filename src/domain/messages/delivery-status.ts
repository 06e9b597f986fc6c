/**
 * What an API inbox's webhook outcome does to the message it carried
 * (spec/EVENTS.md §1.3, issue 6 item 5): while the delivery of a
 * `message_created` / `message_updated` event to the inbox's webhook_url is
 * failing, the message is `failed` with `content_attributes.external_error`
 * (a short text of the failure); a later successful delivery of one of the
 * message's events sets it back to `sent` and removes external_error.
 *
 * Each change is a real `message.updated` (for /cable, GraphQL and the
 * account webhooks that subscribe to it), but it is never delivered to the
 * API inbox whose outcome it reports: that delivery's own outcome would
 * change the message again, and a flaky receiver would then keep planning
 * deliveries about deliveries without end.
 */
import type { PrismaClient } from '../../db.ts';
import type { MessageTypeName } from '../../events/catalogue.ts';
import type { Outbox } from '../../events/outbox.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import { writes } from '../../write-tables.ts';
import { isoTime } from '../wire-time.ts';
import { saveMessageChanges } from './changes.ts';

/** external_error is a short text: longer failure messages are cut to this many characters. */
const EXTERNAL_ERROR_MAX = 255;

/** How long restored messages are gathered before their one statement. */
const RESTORE_BATCH_MS = 10;

interface RestoredRow {
  id: number;
  account_id: number;
  conversation_id: number;
  inbox_id: number;
  message_type: MessageTypeName;
  private: boolean;
  before_attributes: Record<string, unknown>;
  after_attributes: Record<string, unknown>;
  before_updated_at: Date;
}

export class MessageDeliveryStatus {
  /** Messages whose delivery succeeded again, waiting for the next restore. */
  private readonly toRestore = new Set<number>();
  /** The batch that gathers messages now; it runs when its few ms are up. */
  private nextRestore: Promise<void> | undefined;

  constructor(
    private readonly db: PrismaClient,
    private readonly outbox: Outbox,
  ) {}

  /** A delivery of the message's event to its API inbox failed with `error`. */
  async failed(messageId: number, inboxId: number, error: string): Promise<void> {
    const externalError = error.length > EXTERNAL_ERROR_MAX ? `${error.slice(0, EXTERNAL_ERROR_MAX - 1)}…` : error;
    // Retries that fail the same way change nothing: spare them the transaction.
    const current = await this.db.message.findFirst({ where: { id: messageId, inboxId }, select: { status: true, contentAttributes: true } });
    const shown = (current?.contentAttributes ?? {}) as Record<string, unknown>;
    if (!current || (current.status === 'failed' && shown.external_error === externalError)) return;
    await this.outbox.transaction(async (tx, emit) => {
      const message = await tx.message.findFirst({ where: { id: messageId, inboxId } });
      if (!message) return;
      const attributes = (message.contentAttributes ?? {}) as Record<string, unknown>;
      await saveMessageChanges(
        tx,
        emit,
        undefined,
        message,
        { status: 'failed', contentAttributes: { ...attributes, external_error: externalError } },
        { deliveryOutcome: true },
      );
    });
  }

  /**
   * A delivery of the message's event to its API inbox succeeded (the worker
   * calls this only when the message may show a failure). The message goes
   * back to `sent` only when a webhook failure had marked it (this delivery
   * failed before, or another of its deliveries to the inbox did): a failure
   * an agent reported through the API stays.
   */
  async succeeded(messageId: number, inboxId: number, delivery: { id: string; failedBefore: boolean }): Promise<void> {
    if (!delivery.failedBefore && !(await this.hadFailedDelivery(messageId, inboxId, delivery.id))) return;
    this.toRestore.add(messageId);
    // Messages come back in bursts (a receiver back after an outage): they are restored together, a few ms apart.
    // Once a batch has started, messages that come later wait for the next one.
    this.nextRestore ??= new Promise((resolve) => setTimeout(resolve, RESTORE_BATCH_MS)).then(() => {
      this.nextRestore = undefined;
      return this.restore();
    });
    return this.nextRestore;
  }

  /**
   * Sets the queued messages that still show a webhook failure back to
   * `sent`, in one statement, and records each change as `message.updated`.
   */
  private async restore(): Promise<void> {
    const ids = [...this.toRestore];
    this.toRestore.clear();
    // An array literal: the driver's own transaction sends a JS array as JSON text.
    const idList = `{${ids.join(',')}}`;
    await this.outbox.rawTransaction(async (emit, sql) => {
      const now = new Date();
      const rows = await sql.rows<RestoredRow>(writes('messages')`
        WITH shown AS (
          SELECT id, content_attributes, updated_at FROM messages
          WHERE id = ANY(${idList}::int[]) AND status = 'failed' AND content_attributes -> 'external_error' IS NOT NULL
          ORDER BY id FOR UPDATE)
        UPDATE messages m SET status = 'sent', content_attributes = m.content_attributes - 'external_error', updated_at = ${now}::timestamptz
        FROM shown WHERE m.id = shown.id
        RETURNING m.id, m.account_id, m.conversation_id, m.inbox_id, m.message_type::text AS message_type, m.private,
          shown.content_attributes AS before_attributes, m.content_attributes AS after_attributes, shown.updated_at AS before_updated_at`);
      for (const row of rows)
        await emit(row.account_id, 'message.updated', {
          messageId: row.id,
          conversationId: row.conversation_id,
          inboxId: row.inbox_id,
          messageType: row.message_type,
          private: row.private,
          previousChanges: {
            status: ['failed', 'sent'],
            content_attributes: [row.before_attributes, row.after_attributes],
            updated_at: [isoTime(row.before_updated_at), isoTime(now)],
          },
          deliveryOutcome: true,
        });
    });
  }

  /** Whether another delivery of this message's events to the inbox has failed (and not succeeded since). */
  private async hadFailedDelivery(messageId: number, inboxId: number, deliveryId: string): Promise<boolean> {
    const rows = await this.db.$queryRaw<{ found: number }[]>`
      SELECT 1 AS found FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
      WHERE d.inbox_id = ${inboxId} AND d.destination = 'api_inbox_webhook' AND d.last_error IS NOT NULL
        AND d.id <> ${deliveryId}::uuid
        AND e.name IN ('message.created', 'message.updated') AND (e.data->>'messageId')::int = ${messageId}
      LIMIT 1`;
    return rows.length > 0;
  }
}
