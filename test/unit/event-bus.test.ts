/**
 * The event bus (src/events/bus.ts): a subscriber that stops reading
 * keeps only its latest events and never takes the publisher down; events
 * cross Redis with their Dates intact.
 */
import { describe, expect, it } from 'vitest';
import { createEventBus, eventSerializer, SUBSCRIBER_BACKLOG } from '../../src/events/bus.ts';
import type { AnyDomainEvent } from '../../src/events/catalogue.ts';

const event = (n: number, accountId = 1): AnyDomainEvent =>
  ({
    id: String(n),
    name: 'conversation.read',
    accountId,
    data: { conversationId: n, inboxId: 1 },
    occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n % 60)),
  }) as AnyDomainEvent;

describe('the in-process bus', () => {
  it('keeps a lagging subscriber\'s latest events, drops its oldest, and never throws at the publisher', async () => {
    const bus = createEventBus();
    const lagging = bus.pubsub.subscribe('account:events', 1);
    const first = lagging.next(); // starts the subscription, answered by the first event
    const total = SUBSCRIBER_BACKLOG + 1_000;
    expect(() => bus.publish(Array.from({ length: total }, (_, i) => event(i + 1)))).not.toThrow();
    expect((await first).value.id).toBe('1');
    const next = await lagging.next();
    expect(Number(next.value.id)).toBe(total - SUBSCRIBER_BACKLOG + 1);
    await lagging.return?.();
  });

  it('hands each account\'s subscribers only that account\'s events, and each subscriber its own copy', async () => {
    const bus = createEventBus();
    const [a, b, other] = [bus.pubsub.subscribe('account:events', 1), bus.pubsub.subscribe('account:events', 1), bus.pubsub.subscribe('account:events', 2)];
    const pending = [a.next(), b.next(), other.next()];
    bus.publish([event(1, 1), event(2, 2)]);
    const [fromA, fromB, fromOther] = (await Promise.all(pending)) as IteratorResult<AnyDomainEvent>[];
    expect([fromA!.value.id, fromB!.value.id, fromOther!.value.id]).toEqual(['1', '1', '2']);
    await Promise.all([a.return?.(), b.return?.(), other.return?.()]);
  });
});

describe('events on the wire between instances', () => {
  it('keep their Dates, nested ones included', () => {
    const original = { ...event(7), data: { contactId: 3, snapshot: { at: new Date('2026-02-03T04:05:06.789Z'), name: 'x' } } } as unknown as AnyDomainEvent;
    const { event: back, publishedAt } = eventSerializer.parse(eventSerializer.stringify(original));
    expect(back).toEqual(original);
    expect(back.occurredAt).toBeInstanceOf(Date);
    expect(Math.abs(publishedAt - Date.now())).toBeLessThan(1_000);
  });
});
