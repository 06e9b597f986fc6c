/**
 * A group's record of what it recently sent (src/graphql/group-record.ts)
 * serves a resume only when it holds exactly what the member missed.
 *
 * Generated runs: an account's events 1…n reach a group's source in order,
 * except where the run drops some (a backlog that overflowed) or hands one
 * over twice; some events give the group a result (sent as soon as heard).
 * For every position a member could have heard (every result sent), the
 * record must answer either nothing (the caller reads the history) or
 * exactly the results of every event after it that gives one, up to the
 * last the source took (later ones reach a member who joined live), as the
 * history would: never a replay with a hole. And it must answer whenever it
 * can: the position was sent, kept, recent and nothing was lost since.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GroupRecord, tappedPubsub, type RecordLimits } from '../../src/graphql/group-record.ts';
import type { AnyDomainEvent } from '../../src/events/catalogue.ts';

const EPOCH = 'epoch-a';

/** How an event reaches the source: in order, dropped, or twice. */
type Arrival = 'once' | 'dropped' | 'twice';

const run = fc.record({
  events: fc.array(fc.record({ arrival: fc.constantFrom<Arrival>('once', 'once', 'once', 'once', 'dropped', 'twice'), yields: fc.boolean() }), {
    minLength: 1,
    maxLength: 60,
  }),
  memoryItems: fc.integer({ min: 1, max: 12 }),
  maxEvents: fc.integer({ min: 1, max: 80 }),
});

describe('GroupRecord', () => {
  it('answers a resume with exactly what the member missed, or not at all', () => {
    fc.assert(
      fc.property(run, ({ events, memoryItems, maxEvents }) => {
        const limits: RecordLimits = { memoryItems, windowSeconds: 900, maxEvents };
        const record = new GroupRecord<string>(limits, () => 0);
        const sent: number[] = [];
        events.forEach(({ arrival, yields }, index) => {
          const seq = index + 1;
          if (arrival === 'dropped') return;
          for (let times = arrival === 'twice' ? 2 : 1; times > 0; times--) {
            record.heard(seq);
            if (yields && times === 1) {
              record.sent(`result ${seq}`, { epoch: EPOCH, offset: seq });
              sent.push(seq);
            }
          }
        });
        // Events after the last one the source took are still on their way: a member who joined gets them live.
        const last = events.findLastIndex(({ arrival }) => arrival !== 'dropped') + 1;
        const results = events.slice(0, last).flatMap(({ yields }, index) => (yields ? [index + 1] : []));
        for (const position of sent) {
          const answer = record.after({ epoch: EPOCH, offset: position });
          const missed = results.filter((seq) => seq > position).map((seq) => `result ${seq}`);
          if (answer !== undefined) expect(answer).toEqual(missed);
          // It answers when it can: nothing after the position went astray, the position is kept, and the member is not too far behind.
          const clean = events.slice(position - 1, last).every(({ arrival }) => arrival === 'once');
          const kept = sent.indexOf(position) >= sent.length - memoryItems;
          if (clean && kept && last - position <= maxEvents) expect(answer).toEqual(missed);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses positions of another history, never sent, or older than the replay window', () => {
    let now = 0;
    const record = new GroupRecord<string>({ memoryItems: 10, windowSeconds: 60, maxEvents: 100 }, () => now);
    for (const seq of [1, 2, 3]) {
      record.heard(seq);
      if (seq !== 2) record.sent(`result ${seq}`, { epoch: EPOCH, offset: seq });
    }
    expect(record.after({ epoch: EPOCH, offset: 1 })).toEqual(['result 3']);
    expect(record.after({ epoch: 'epoch-b', offset: 1 })).toBeUndefined();
    expect(record.after({ epoch: EPOCH, offset: 2 })).toBeUndefined(); // the group sent nothing for it: not a position of this record
    now = 61_000;
    expect(record.after({ epoch: EPOCH, offset: 1 })).toBeUndefined();
  });

  it('keeps nothing when its memory is 0', () => {
    const record = new GroupRecord<string>({ memoryItems: 0, windowSeconds: 60, maxEvents: 100 }, () => 0);
    record.heard(1);
    record.sent('result 1', { epoch: EPOCH, offset: 1 });
    record.heard(2);
    record.sent('result 2', { epoch: EPOCH, offset: 2 });
    expect(record.after({ epoch: EPOCH, offset: 1 })).toBeUndefined();
  });

  it('starts again after a result it cannot place', () => {
    const record = new GroupRecord<string>({ memoryItems: 10, windowSeconds: 60, maxEvents: 100 }, () => 0);
    record.heard(1);
    record.sent('result 1', { epoch: EPOCH, offset: 1 });
    record.heard(2);
    record.sent('an error', undefined);
    record.heard(3);
    record.sent('result 3', { epoch: EPOCH, offset: 3 });
    expect(record.after({ epoch: EPOCH, offset: 1 })).toBeUndefined();
  });
});

describe('tappedPubsub', () => {
  it('tells the number of each event of its account as a subscriber takes it, and nothing of other accounts', async () => {
    const event = (accountId: number, seq: number) => ({ id: String(seq), seq, accountId, name: 'message.created', data: {}, occurredAt: new Date() }) as unknown as AnyDomainEvent;
    const pubsub = {
      subscribe: (_topic: 'account:events', accountId: number) =>
        (async function* () {
          yield event(accountId, 7);
          yield event(accountId, 8);
        })(),
    };
    const heard: (number | undefined)[] = [];
    const tapped = tappedPubsub(pubsub, 1, (seq) => heard.push(seq));
    const mine = tapped.subscribe('account:events', 1);
    expect((await mine.next()).value).toMatchObject({ seq: 7 });
    expect(heard).toEqual([7]);
    expect((await mine.next()).value).toMatchObject({ seq: 8 });
    expect(await mine.next()).toMatchObject({ done: true });
    for await (const other of tapped.subscribe('account:events', 2)) expect(other.accountId).toBe(2);
    expect(heard).toEqual([7, 8]);
  });
});
