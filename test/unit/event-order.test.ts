/**
 * An account's events reach every listener of an instance in commit order
 * (src/events/bus.ts AccountChannel), whatever order the bus brought them
 * in: shuffled, some twice, some never (those the instance reads from the
 * history once it has waited GAP_WAIT_MS for them). The bus is the real
 * in-process one; the history is a map of the generated events.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEventBus, GAP_WAIT_MS } from '../../src/events/bus.ts';
import type { AnyDomainEvent } from '../../src/events/catalogue.ts';

const eventOf = (seq: number, accountId = 3): AnyDomainEvent => ({
  id: String(1000 + seq),
  seq,
  name: 'conversation.read',
  accountId,
  data: { conversationId: seq, inboxId: 1 },
  occurredAt: new Date(0),
});

afterEach(() => void vi.useRealTimers());

describe('an account channel', () => {
  it('hands each event on once and in commit order, filling from the history what never came (generated)', async () => {
    vi.useFakeTimers();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.func(fc.integer({ min: 0, max: 9 })),
        fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
        async (count, fate, keys) => {
          const all = Array.from({ length: count }, (_, i) => i + 1);
          // Each event's fate: 0 never published (only in the history), 1 published twice, else once.
          const published = all.flatMap((seq) => (fate(seq) === 0 && seq > 1 ? [] : fate(seq) === 1 ? [seq, seq] : [seq]));
          const order = [...keys.take(published.length)];
          const shuffled = published.map((seq, i) => ({ seq, key: order[i] ?? 0 }));
          shuffled.sort((a, b) => a.key - b.key);
          // The first event the channel sees is where it starts: make it the first one committed.
          const start = shuffled.findIndex((e) => e.seq === 1);
          shuffled.unshift(...shuffled.splice(start, 1));

          const filled: [number, number][] = [];
          const bus = createEventBus({
            fill: async (accountId, from, to) => {
              expect(accountId).toBe(3);
              filled.push([from, to]);
              return all.filter((seq) => seq >= from && seq <= to).map((seq) => eventOf(seq));
            },
          });
          const heard: number[] = [];
          const stop = bus.listen(3, (event) => heard.push(event.seq));
          bus.publish(shuffled.map((e) => eventOf(e.seq)));
          await vi.advanceTimersByTimeAsync(GAP_WAIT_MS * (count + 1));
          expect(heard).toEqual(all.filter((seq) => seq <= Math.max(...published)));
          for (const [from, to] of filled) expect(from).toBeLessThanOrEqual(to);
          stop();
          await bus.close();
        },
      ),
      { numRuns: 150 },
    );
  });

  it('goes on past a gap the history cannot fill, and keeps accounts apart', async () => {
    vi.useFakeTimers();
    const bus = createEventBus({ fill: async () => [] });
    const heard: string[] = [];
    const stops = [3, 4].map((account) => bus.listen(account, (event) => heard.push(`${event.accountId}:${event.seq}`)));
    bus.publish([eventOf(1), eventOf(3), eventOf(1, 4), eventOf(2, 4), eventOf(4)]);
    expect(heard).toEqual(['3:1', '4:1', '4:2']);
    await vi.advanceTimersByTimeAsync(GAP_WAIT_MS);
    expect(heard).toEqual(['3:1', '4:1', '4:2', '3:3', '3:4']);
    for (const stop of stops) stop();
    await bus.close();
  });
});
