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
 */
import { parse, type ExecutionResult } from 'graphql';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { YogaServerInstance } from 'graphql-yoga';
import type { Authenticator, Principal } from '../auth.ts';
import type { AudienceOptions, Context } from '../context.ts';
import { DomainError } from '../errors.ts';
import { fitsIntegerColumn } from '../domain/validation.ts';
import type { CableBroadcast } from '../events/listeners/cable-broadcasts.ts';

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
   * serialised `message` of its broadcast frame. Null when GraphQL refuses
   * it (an account the caller is not a member of, say).
   */
  async subscribe(
    caller: RoomCaller,
    audience: AudienceOptions,
    deliver: (broadcast: CableBroadcast, message: string) => void,
    onError: (error: unknown) => void,
  ): Promise<RoomSubscription | null> {
    const { schema, subscribe, contextFactory, validate } = this.yoga.getEnveloped({ cablePrincipal: caller.principal, cableAudience: audience });
    if (validate(schema, ROOM).length > 0) return null;
    const result = (await subscribe({
      schema,
      document: ROOM,
      variableValues: caller.accountId === undefined ? {} : { scope: { accountId: encodeGlobalID('Account', caller.accountId) } },
      contextValue: await contextFactory(),
    })) as AsyncIterableIterator<ExecutionResult<{ roomEvents: CableBroadcast }>> | ExecutionResult;
    if (!(Symbol.asyncIterator in result)) return null;
    const events = result;
    void (async () => {
      for await (const next of events) if (next.data?.roomEvents) deliver(next.data.roomEvents, serialise(next.data.roomEvents));
    })().catch(onError);
    return { stop: () => void events.return?.() };
  }
}
