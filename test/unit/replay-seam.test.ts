/**
 * The seam of a resumed subscription (src/events/replay.ts), where the
 * history read from the database meets the live events of the bus: the
 * subscriber gets every event after its resume point exactly once, in
 * order, however the live events overlap what the history returned (some
 * published while it was being read, some after, some twice). The bus is
 * the real in-process one; the history is a stand-in returning generated
 * events, so the overlap can be every case, not only those a race happens
 * to produce against a real database (test/graphql/resume.test.ts covers
 * that path end to end).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEventBus } from '../../src/events/bus.ts';
import type { AnyDomainEvent } from '../../src/events/catalogue.ts';
import type { Resume } from '../../src/events/history.ts';
import { resumablePubsub } from '../../src/events/replay.ts';

const ACCOUNT = 7;
const eventOf = (seq: number): AnyDomainEvent => ({
  id: String(seq * 7),
  seq,
  name: 'message.created',
  accountId: ACCOUNT,
  data: { messageId: seq, conversationId: 1, inboxId: 1, messageType: 'incoming', private: false },
  occurredAt: new Date(0),
});

describe('a resumed subscription', () => {
  it('delivers each event after the resume point once and in order, whatever overlaps at the seam (generated)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 30 }), // events committed before the resume point
        fc.integer({ min: 0, max: 30 }), // events the history returns
        fc.integer({ min: 0, max: 30 }), // of those, how many were also published live while it was read
        fc.integer({ min: 0, max: 20 }), // events committed after the history was read
        fc.boolean(), // the bus delivers the overlap twice
        async (before, replayed, overlapWish, after, twice) => {
          const overlap = Math.min(overlapWish, replayed);
          const ids = Array.from({ length: before + replayed + after }, (_, i) => 1 + i);
          const resumeAt = before === 0 ? 0 : ids[before - 1]!;
          const history = ids.slice(before, before + replayed);
          const later = ids.slice(before + replayed);
          const bus = createEventBus();
          const pubsub = resumablePubsub(bus, {
            replay: async (accountId: number, resume: Resume) => {
              expect(accountId).toBe(ACCOUNT);
              expect(resume).toEqual({ epoch: 'e', after: resumeAt });
              // Published while the history was being read: the end of what it returns.
              bus.publish(history.slice(replayed - overlap).map(eventOf));
              if (twice) bus.publish(history.slice(replayed - overlap).map(eventOf));
              return history.map(eventOf);
            },
          });
          const events = await pubsub.resume!(ACCOUNT, { epoch: 'e', after: resumeAt });
          // Delivered again after the history was read (another instance's copy), then what came later.
          if (twice) bus.publish(history.map(eventOf));
          bus.publish(later.map(eventOf));
          bus.publish([eventOf(ids.length + 1)]);
          const heard: number[] = [];
          for await (const event of events) {
            if (event.seq === ids.length + 1) break;
            heard.push(event.seq);
          }
          expect(heard).toEqual([...history, ...later]);
          await bus.close();
        },
      ),
      { numRuns: 200 },
    );
  });

  it('stops listening when the history refuses the resume point', async () => {
    const bus = createEventBus();
    let listening = 0;
    const counted = {
      ...bus,
      listen: (accountId: number, listener: (event: AnyDomainEvent) => void) => {
        listening++;
        const stop = bus.listen(accountId, listener);
        return () => (listening--, stop());
      },
    };
    const refusal = new Error('refused');
    const pubsub = resumablePubsub(counted, { replay: () => Promise.reject(refusal) });
    await expect(pubsub.resume!(ACCOUNT, { since: new Date() })).rejects.toBe(refusal);
    expect(listening).toBe(0);
  });
});
