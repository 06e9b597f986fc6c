/**
 * A reach group's record of what it recently sent (reach-groups.ts), so
 * that a member who reconnects is served what it missed from memory: the
 * group has already decided and rendered each of those items for the
 * member's reach, so replaying them needs no history read and no
 * execution. In a reconnect storm (a deploy, a network blip) that is the
 * difference between one execution per event and one per event per client.
 *
 * The record serves a resume only when it is sure to hold everything the
 * member missed:
 *
 * - the group's source has heard every event of the account since the one
 *   the member last heard: `heard` is told the number of each event the
 *   source takes from the bus (`tappedPubsub`), in order; an event that is
 *   not the next one (a backlog that overflowed, a source that subscribed
 *   twice) starts the record again from there;
 * - that event is itself in the record (the group sent it, the cursor is of
 *   this history), sent within the replay window, and the member is no more
 *   than the replay's event limit behind: where the history would refuse a
 *   resume, so does the record, and the caller reads the history as before;
 * - items after it are all kept: the record drops its oldest beyond
 *   `memoryItems`, so anything after a kept item is kept too.
 *
 * Items the group is sent while it holds them (a regroup) are recorded when
 * they go out, and a caller asks nothing of the record meanwhile.
 */
import type { ReplayLimits } from '../config.ts';
import type { AnyDomainEvent } from '../events/catalogue.ts';
import type { SnyptoPubSub } from '../events/bus.ts';

/** Where an item stands in its account's history: the history's epoch and the event's number. */
export interface ItemPosition {
  epoch: string;
  offset: number;
}

/** What a record keeps (`memoryItems` per group) and how far back it serves, as the history does. */
export type RecordLimits = Pick<ReplayLimits, 'memoryItems' | 'windowSeconds' | 'maxEvents'>;

interface Entry<T> {
  position: ItemPosition;
  sentAt: number;
  item: T;
}

export class GroupRecord<T> {
  private entries: Entry<T>[] = [];
  /** The first event heard since the record (re)started, and the last: the source heard every one between. */
  private from: number | undefined;
  private last: number | undefined;

  constructor(
    private readonly limits: RecordLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** The group's source took event `seq` from the bus. */
  heard(seq: number | undefined): void {
    if (this.limits.memoryItems === 0) return;
    if (seq !== undefined && this.last !== undefined && seq === this.last + 1) {
      this.last = seq;
      return;
    }
    this.entries = [];
    this.from = seq;
    this.last = seq;
  }

  /** The group sent `item`, decided for the event at `position` (undefined: it cannot be placed, so the record starts again). */
  sent(item: T, position: ItemPosition | undefined): void {
    if (this.limits.memoryItems === 0 || this.from === undefined || this.last === undefined) return;
    if (!position) return this.heard(undefined);
    if (position.offset < this.from) return; // heard before the record started again
    this.entries.push({ position, sentAt: this.now(), item });
    if (this.entries.length > this.limits.memoryItems) this.entries.splice(0, this.entries.length - this.limits.memoryItems);
  }

  /**
   * The items sent after the event at `position` (one the member heard), in
   * order; undefined when the record cannot be sure it holds all of them.
   */
  after(position: ItemPosition): T[] | undefined {
    if (this.from === undefined || this.last === undefined || position.offset < this.from) return undefined;
    if (this.last - position.offset > this.limits.maxEvents) return undefined;
    const index = this.entries.findLastIndex((entry) => entry.position.offset === position.offset);
    const heard = this.entries[index];
    if (!heard || heard.position.epoch !== position.epoch) return undefined;
    if (heard.sentAt < this.now() - this.limits.windowSeconds * 1000) return undefined;
    return this.entries.slice(index + 1).map((entry) => entry.item);
  }
}

/**
 * `pubsub`, telling `heard` the number of each event of `accountId` that a
 * subscriber takes from it, as it takes it (the record's view of what its
 * group's source has heard).
 */
export function tappedPubsub(pubsub: SnyptoPubSub, accountId: number, heard: (seq: number | undefined) => void): SnyptoPubSub {
  return {
    ...pubsub,
    subscribe(topic, subscribedAccountId) {
      const events = pubsub.subscribe(topic, subscribedAccountId);
      if (subscribedAccountId !== accountId) return events;
      const tapped: AsyncIterableIterator<AnyDomainEvent> = {
        async next() {
          const step = await events.next();
          if (!step.done) heard(Number.isInteger(step.value.seq) ? step.value.seq : undefined);
          return step;
        },
        return: (value?: unknown) => events.return?.(value) ?? Promise.resolve({ done: true, value: undefined }),
        throw: (error?: unknown) => events.throw?.(error) ?? Promise.reject(error),
        [Symbol.asyncIterator]: () => tapped,
      };
      return tapped;
    },
  };
}
