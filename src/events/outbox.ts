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

/**
 * Gives the transaction's events their numbers in their accounts (Event.seq:
 * 1, 2, 3… per account), as its last statement before commit. The upsert of
 * the account's event_sequences row locks that row until the commit, so the
 * account's transactions are numbered in the order they commit and without
 * gaps: what lets a real-time client resume after the last event it heard
 * and miss nothing (history.ts), and an instance put events that reach it out
 * of order back in order (bus.ts). Taken last, the lock is held only for the
 * commit, and no transaction waits for another row while holding it (no
 * deadlock); accounts are numbered in id order for the same reason.
 */
async function numberEvents(sql: RawSql, events: AnyDomainEvent[]): Promise<void> {
  events = events.filter((event) => event.seq === 0);
  const accounts = [...new Set(events.map((event) => event.accountId))].sort((a, b) => a - b);
  for (const accountId of accounts) {
    const own = events.filter((event) => event.accountId === accountId);
    const rows = await sql.rows<{ id: string; seq: string }>(writes('events', 'event_sequences')`
      WITH numbered AS (${nextNumbers(accountId, own.length)})
      UPDATE events SET seq = numbered.last_seq - ${own.length} + given.ordinal
      FROM numbered, (VALUES ${Prisma.join(own.map((event, i) => Prisma.sql`(${event.id}::bigint, ${i + 1}::int)`))}) AS given(id, ordinal)
      WHERE events.id = given.id
      RETURNING events.id, events.seq`);
    const seqs = new Map(rows.map((row) => [String(row.id), Number(row.seq)]));
    for (const event of own) event.seq = seqs.get(event.id)!;
  }
}

/** Takes the account's next `count` numbers (locking its event_sequences row until commit); returns the last one. */
const nextNumbers = (accountId: number, count: number) => Prisma.sql`
  INSERT INTO event_sequences (account_id, last_seq) VALUES (${accountId}, ${count})
  ON CONFLICT (account_id) DO UPDATE SET last_seq = event_sequences.last_seq + ${count}
  RETURNING last_seq`;

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
    const result = await this.database.transaction(async (tx, sql) => {
      const result = await work(tx, this.recorder(sql, events), sql);
      await numberEvents(sql, events);
      return result;
    }, {
      timeout: 15_000,
      maxWait: 10_000,
    });
    this.publish(events);
    return result;
  }

  /**
   * Runs `work` in one transaction of hand-written statements only (the hot
   * path, see src/raw-sql.ts); events it emits are published after commit.
   * `numberInline`: each event takes its number in its own statement, sparing
   * numberEvents' round trip; only for work that emits events of one account
   * and locks every row it writes before its first event, so that, once
   * numbered, it waits for no row a transaction waiting for the account's
   * number could hold (no deadlock).
   */
  async rawTransaction<T>(work: (emit: Emit, sql: RawSql) => Promise<T>, options: { numberInline?: boolean } = {}): Promise<T> {
    const events: AnyDomainEvent[] = [];
    const result = await this.database.rawTransaction(async (sql) => {
      const result = await work(this.recorder(sql, events, options.numberInline), sql);
      await numberEvents(sql, events);
      return result;
    });
    this.publish(events);
    return result;
  }

  /**
   * The `emit` of one transaction: writes each event's row (and its listeners' rows) there, and collects it.
   * `numberNow`: each event takes its number in its own statement (see rawTransaction).
   */
  private recorder(sql: RawSql, events: AnyDomainEvent[], numberNow = false): Emit {
    return async (accountId, name, data, performer, alongside = []) => {
      const changes = alongside.map((statement, i) => Prisma.sql`${Prisma.raw(`change_${i}`)} AS (${statement})`);
      if (numberNow) changes.push(Prisma.sql`numbered AS (${nextNumbers(accountId, 1)})`);
      const [row] = await sql.rows<{ id: string; seq: string | null; created_at: Date }>(writes(
        'events',
        ...(numberNow ? ['event_sequences'] : []),
        ...alongside,
      )`
        ${changes.length > 0 ? Prisma.sql`WITH ${Prisma.join(changes)}` : Prisma.empty}
        INSERT INTO events (account_id, seq, name, data, created_at)
        SELECT ${accountId}, ${numberNow ? Prisma.sql`numbered.last_seq` : Prisma.sql`NULL`}, ${name}, ${{ ...data, performer }}::jsonb,
          ${new Date()}::timestamptz
        ${numberNow ? Prisma.sql`FROM numbered` : Prisma.empty}
        RETURNING id, seq, created_at`);
      // Numbered now, or just before commit (numberEvents): 0 until then.
      const event = { id: row!.id, seq: Number(row!.seq ?? 0), name, accountId, data, performer, occurredAt: row!.created_at } as AnyDomainEvent;
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
