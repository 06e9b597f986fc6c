/**
 * The transactional outbox. A service runs its change through
 * `outbox.transaction`, records events with `emit`; each event's row (and
 * whatever transactional listeners add, such as webhook deliveries) is
 * written in the same transaction, and the after-commit listeners hear of it
 * only once the transaction has committed.
 */
import type { PrismaClient, Tx } from '../db.ts';
import type { AnyDomainEvent, EventDataMap, EventName, Performer } from './catalogue.ts';

export type Emit = <N extends EventName>(
  accountId: number,
  name: N,
  data: EventDataMap[N],
  performer?: Performer,
) => Promise<void>;

/** Runs inside the change's transaction for each event (e.g. plans webhook deliveries). */
export type TransactionalListener = (tx: Tx, event: AnyDomainEvent) => Promise<void>;
/** Runs after commit; its failures are logged, never surfaced to the caller. */
export type AfterCommitListener = (events: AnyDomainEvent[]) => void | Promise<void>;

export interface OutboxOptions {
  onListenerError: (error: unknown, listener: string) => void;
}

export class Outbox {
  private readonly transactional: TransactionalListener[] = [];
  private readonly afterCommit: { name: string; listener: AfterCommitListener }[] = [];

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: OutboxOptions,
  ) {}

  onTransaction(listener: TransactionalListener): void {
    this.transactional.push(listener);
  }

  onCommit(name: string, listener: AfterCommitListener): void {
    this.afterCommit.push({ name, listener });
  }

  /** Runs `work` in one transaction; events it emits are published after commit. */
  async transaction<T>(work: (tx: Tx, emit: Emit) => Promise<T>): Promise<T> {
    const events: AnyDomainEvent[] = [];
    const result = await this.prisma.$transaction(
      async (tx) => {
        const emit: Emit = async (accountId, name, data, performer) => {
          const row = await tx.event.create({
            data: { accountId, name, data: { ...data, performer } as object },
            select: { id: true, createdAt: true },
          });
          const event = {
            id: row.id.toString(),
            name,
            accountId,
            data,
            performer,
            occurredAt: row.createdAt,
          } as AnyDomainEvent;
          for (const listener of this.transactional) await listener(tx, event);
          events.push(event);
        };
        return work(tx, emit);
      },
      { timeout: 15_000, maxWait: 10_000 },
    );
    if (events.length > 0) this.publish(events);
    return result;
  }

  private publish(events: AnyDomainEvent[]): void {
    for (const { name, listener } of this.afterCommit) {
      try {
        void Promise.resolve(listener(events)).catch((error: unknown) => this.options.onListenerError(error, name));
      } catch (error) {
        this.options.onListenerError(error, name);
      }
    }
  }
}
