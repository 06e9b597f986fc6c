/**
 * The transactional outbox. A service runs its change through
 * `outbox.transaction`, records events with `emit`; each event's row (and
 * whatever transactional listeners add, such as webhook deliveries) is
 * written in the same transaction, and the after-commit listeners hear of it
 * only once the transaction has committed.
 */
import type { Database, Tx } from '../db.ts';
import { Prisma } from '../generated/prisma/client.ts';
import type { RawSql } from '../raw-sql.ts';
import { writes } from '../write-tables.ts';
import type { AnyDomainEvent, EventDataMap, EventName, Performer } from './catalogue.ts';

/**
 * Records an event in the running transaction. `alongside`: data-modifying
 * statements (UPDATE, INSERT, DELETE) of the same change to send in the
 * event's own statement, as CTEs, to spare their round trips.
 */
export type Emit = <N extends EventName>(
  accountId: number,
  name: N,
  data: EventDataMap[N],
  performer?: Performer,
  alongside?: Prisma.Sql[],
) => Promise<void>;

/** Runs inside the change's transaction for each event (e.g. plans webhook deliveries). */
export type TransactionalListener = (event: AnyDomainEvent, sql: RawSql) => Promise<void>;
/** Runs after commit; its failures are logged, never surfaced to the caller. */
export type AfterCommitListener = (events: AnyDomainEvent[]) => void | Promise<void>;

export interface OutboxOptions {
  onListenerError: (error: unknown, listener: string) => void;
}

export class Outbox {
  private readonly transactional: TransactionalListener[] = [];
  private readonly afterCommit: { name: string; listener: AfterCommitListener }[] = [];

  constructor(
    private readonly database: Pick<Database, 'transaction' | 'rawTransaction'>,
    private readonly options: OutboxOptions,
  ) {}

  onTransaction(listener: TransactionalListener): void {
    this.transactional.push(listener);
  }

  onCommit(name: string, listener: AfterCommitListener): void {
    this.afterCommit.push({ name, listener });
  }

  /** Runs `work` in one Prisma transaction; events it emits are published after commit. */
  async transaction<T>(work: (tx: Tx, emit: Emit, sql: RawSql) => Promise<T>): Promise<T> {
    const events: AnyDomainEvent[] = [];
    const result = await this.database.transaction((tx, sql) => work(tx, this.recorder(sql, events), sql), {
      timeout: 15_000,
      maxWait: 10_000,
    });
    this.publish(events);
    return result;
  }

  /**
   * Runs `work` in one transaction of hand-written statements only (the hot
   * path, see src/raw-sql.ts); events it emits are published after commit.
   */
  async rawTransaction<T>(work: (emit: Emit, sql: RawSql) => Promise<T>): Promise<T> {
    const events: AnyDomainEvent[] = [];
    const result = await this.database.rawTransaction((sql) => work(this.recorder(sql, events), sql));
    this.publish(events);
    return result;
  }

  /** The `emit` of one transaction: writes each event's row (and its listeners' rows) there, and collects it. */
  private recorder(sql: RawSql, events: AnyDomainEvent[]): Emit {
    return async (accountId, name, data, performer, alongside = []) => {
      const changes = alongside.map((statement, i) => Prisma.sql`${Prisma.raw(`change_${i}`)} AS (${statement})`);
      const [row] = await sql.rows<{ id: string; created_at: Date }>(writes('events', ...alongside)`
        ${changes.length > 0 ? Prisma.sql`WITH ${Prisma.join(changes)}` : Prisma.empty}
        INSERT INTO events (account_id, name, data, created_at)
        VALUES (${accountId}, ${name}, ${{ ...data, performer }}::jsonb, ${new Date()}::timestamptz)
        RETURNING id, created_at`);
      const event = { id: row!.id, name, accountId, data, performer, occurredAt: row!.created_at } as AnyDomainEvent;
      for (const listener of this.transactional) await listener(event, sql);
      events.push(event);
    };
  }

  private publish(events: AnyDomainEvent[]): void {
    if (events.length === 0) return;
    for (const { name, listener } of this.afterCommit) {
      try {
        void Promise.resolve(listener(events)).catch((error: unknown) => this.options.onListenerError(error, name));
      } catch (error) {
        this.options.onListenerError(error, name);
      }
    }
  }
}
