/**
 * Chatwoot's RoomChannel (spec/EVENTS.md §2.3) on Snypto's GraphQL
 * subscriptions: a contact subscribes with their contact inbox's
 * `pubsub_token`, an agent with their own `pubsub_token`, `user_id` and
 * `account_id`. What a caller hears is the GraphQL subscription `roomEvents`
 * executed for them on the same schema and envelope as every other
 * transport, so /cable shares GraphQL's authorisation and event path.
 * Callers who reach the same things share one such subscription
 * (audiences.ts): it is started by one of them but decides for their
 * common reach (src/domain/access/reach.ts), and leaves the one
 * per-recipient rule, not hearing one's own typing, to the fan-out.
 *
 * Each broadcast comes with its position in the event history (the
 * `extensions.cursor` GraphQL stamps on every subscription result,
 * src/graphql/event-cursors.ts), which the extended protocol sends along.
 * A replay (replay.ts) is the same subscription run over the events a
 * client missed, to its end.
 */
import { parse, type ExecutionResult } from 'graphql';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { YogaServerInstance } from 'graphql-yoga';
import type { Authenticator, Principal } from '../auth.ts';
import type { AudienceOptions, Context } from '../context.ts';
import { DomainError } from '../errors.ts';
import { fitsIntegerColumn } from '../domain/validation.ts';
import type { CableBroadcast } from '../events/listeners/cable-broadcasts.ts';
import { positionOfResult } from '../graphql/event-cursors.ts';
import type { StreamPosition } from './protocol.ts';

/** The operation every RoomChannel subscription runs. */
const ROOM = parse('subscription Room($scope: EventScope) { roomEvents(scope: $scope) { event data } }');

export interface RoomParams {
  pubsub_token?: unknown;
  user_id?: unknown;
  account_id?: unknown;
}

/** A running subscription; `stop` ends it. */
export interface RoomSubscription {
  stop(): void;
}

/** The caller a RoomChannel identifier names, with the account an agent listens to; null when it names nobody. */
export interface RoomCaller {
  principal: Principal;
  accountId?: number;
}

/** The account whose events the caller hears: a contact's own, the one an agent named. */
export const accountOfCaller = (caller: RoomCaller): number | undefined =>
  caller.principal.kind === 'contact' ? caller.principal.accountId : caller.accountId;

/** Where a subscription hands each broadcast: the broadcast, its serialised `message`, and its position. */
export type RoomDelivery = (broadcast: CableBroadcast, message: string, position: StreamPosition | undefined) => void;

type RoomResults = AsyncIterableIterator<ExecutionResult<{ roomEvents: CableBroadcast }>>;

const positiveInteger = (value: unknown): number | undefined => {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : NaN;
  return fitsIntegerColumn(number) && number > 0 ? number : undefined;
};

/**
 * Serialised broadcast `message`s, by their data object: every subscriber
 * of an event gets the same object from the broadcast cache, so the JSON is
 * written once per event.
 */
const serialised = new WeakMap<object, string>();
function serialise(broadcast: CableBroadcast): string {
  let text = serialised.get(broadcast.data);
  if (text === undefined) serialised.set(broadcast.data, (text = JSON.stringify({ event: broadcast.event, data: broadcast.data })));
  return text;
}

export class RoomChannel {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly yoga: YogaServerInstance<Record<string, unknown>, Context>,
  ) {}

  /** Who the identifier's params name: a contact session, or an agent in an account; null for nobody. */
  async callerOf(params: RoomParams): Promise<RoomCaller | null> {
    const token = typeof params.pubsub_token === 'string' && params.pubsub_token !== '' ? params.pubsub_token : undefined;
    if (!token) return null;
    try {
      if (params.user_id === undefined || params.user_id === null) {
        return { principal: await this.authenticator.contactFor({ pubsubToken: token }) };
      }
      const userId = positiveInteger(params.user_id);
      const accountId = positiveInteger(params.account_id);
      if (userId === undefined || accountId === undefined) return null;
      return { principal: await this.authenticator.userForPubsubToken(token, userId), accountId };
    } catch (error) {
      if (error instanceof DomainError) return null;
      throw error;
    }
  }

  /**
   * Starts the `roomEvents` subscription of an audience, started by `caller`
   * (one of its members) and deciding for `audience.reach` (own typing
   * included, see audiences.ts); each broadcast reaches `deliver` with the
   * serialised `message` of its broadcast frame and its position. Null when
   * GraphQL refuses it (an account the caller is not a member of, say).
   */
  async subscribe(
    caller: RoomCaller,
    audience: AudienceOptions,
    deliver: RoomDelivery,
    onError: (error: unknown) => void,
  ): Promise<RoomSubscription | null> {
    const results = await this.execute(caller, audience);
    if (!results) return null;
    void pump(results, deliver).catch(onError);
    return { stop: () => void results.return?.() };
  }

  /**
   * Runs the subscription of `subscribe` over `audience.events`, a source
   * that ends (a replay's events), and resolves once every broadcast is
   * delivered; false when GraphQL refuses it.
   */
  async replay(caller: RoomCaller, audience: AudienceOptions, deliver: RoomDelivery): Promise<boolean> {
    const results = await this.execute(caller, audience);
    if (!results) return false;
    await pump(results, deliver, true);
    return true;
  }

  private async execute(caller: RoomCaller, audience: AudienceOptions): Promise<RoomResults | null> {
    const { schema, subscribe, contextFactory, validate } = this.yoga.getEnveloped({ cablePrincipal: caller.principal, cableAudience: audience });
    if (validate(schema, ROOM).length > 0) return null;
    const result = (await subscribe({
      schema,
      document: ROOM,
      variableValues: caller.accountId === undefined ? {} : { scope: { accountId: encodeGlobalID('Account', caller.accountId) } },
      contextValue: await contextFactory(),
    })) as RoomResults | ExecutionResult;
    return Symbol.asyncIterator in result ? result : null;
  }
}

/** Hands each result's broadcast to `deliver`; `strict`: an error result fails it (a replay with a hole is no replay). */
async function pump(results: RoomResults, deliver: RoomDelivery, strict = false): Promise<void> {
  for await (const next of results) {
    if (strict && next.errors?.length) throw new Error(`replaying /cable broadcasts failed: ${next.errors[0]!.message}`);
    const broadcast = next.data?.roomEvents;
    if (broadcast) deliver(broadcast, serialise(broadcast), positionOfResult(next));
  }
}
