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
import type { Emit, Outbox } from '../../events/outbox.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { RawSql } from '../../raw-sql.ts';
import { saveMessageChanges } from './changes.ts';

/** external_error is a short text: longer failure messages are cut to this many characters. */
const EXTERNAL_ERROR_MAX = 255;

export class MessageDeliveryStatus {
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
    await this.outbox.transaction(async (tx, emit, sql) => {
      const message = await tx.message.findFirst({ where: { id: messageId, inboxId } });
      if (!message) return;
      const attributes = (message.contentAttributes ?? {}) as Record<string, unknown>;
      await this.quietly(sql, emit, (tracked) =>
        saveMessageChanges(tx, tracked, undefined, message, {
          status: 'failed',
          contentAttributes: { ...attributes, external_error: externalError },
        }),
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
    await this.outbox.transaction(async (tx, emit, sql) => {
      const message = await tx.message.findFirst({ where: { id: messageId, inboxId } });
      if (message?.status !== 'failed' || !('external_error' in ((message.contentAttributes ?? {}) as object))) return;
      const { external_error: _cleared, ...attributes } = (message.contentAttributes ?? {}) as Record<string, unknown>;
      await this.quietly(sql, emit, (tracked) =>
        saveMessageChanges(tx, tracked, undefined, message, { status: 'sent', contentAttributes: attributes }),
      );
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

  /**
   * Runs `change` and, when it emitted its event, removes the delivery the
   * planner made of that event to the API inbox. `currval` is the id of the
   * events row this transaction's session has just written.
   */
  private async quietly(sql: RawSql, emit: Emit, change: (emit: Emit) => Promise<void>): Promise<void> {
    let emitted = false;
    await change(async (...args) => {
      await emit(...args);
      emitted = true;
    });
    if (!emitted) return;
    await sql.execute(Prisma.sql`
      DELETE FROM webhook_deliveries
      WHERE event_id = currval(pg_get_serial_sequence('events', 'id')) AND destination = 'api_inbox_webhook'`);
  }
}
