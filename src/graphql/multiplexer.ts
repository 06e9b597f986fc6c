/**
 * Multiplexed subscriptions: subscribers who send the same document,
 * operation name and variables and reach the same things are executed ONCE
 * per event, and the result goes to all of them (as Hasura does for live
 * queries). An envelop plugin, so every transport that subscribes through
 * Yoga (graphql-ws, Yoga's SSE, graphql-sse) gets it.
 *
 * - Who may share: a document every field of which answers for a reach
 *   (shared-documents.ts), subscribed by a user (their reach in the account
 *   the subscription listens to) or a contact (their session). Everyone
 *   else (agent bots, platform apps, anonymous callers), every other
 *   document, and /cable's own subscriptions run alone, as before.
 * - Admission is each subscriber's own: their subscription is first
 *   started for them as it would be alone (scope, auth scopes, checks); a
 *   refusal is their answer; otherwise that probe is closed and they join
 *   the group of (operation, reach): reach-groups.ts, shared with /cable's
 *   audiences, places them, regroups them on membership events and lets go
 *   of empty groups.
 * - A subscriber that resumes (a cursor in a variable for `after`, or an SSE
 *   `Last-Event-ID`) joins the same group, keyed without its cursor: it
 *   holds the group's results while its own replay goes out (what the
 *   group sent after its cursor, from the group's record, group-record.ts;
 *   or, when the record does not reach back, the history after its cursor,
 *   executed once for its reach: `replayInto`), then gets the held ones
 *   after the replay's last. Its admission probe runs without the cursor,
 *   so a resume reads the history only when the record cannot serve it. A
 *   cursor written into the document itself makes the document its own: it
 *   runs alone.
 * - A group's execution runs with a context whose Visibility is fixed to
 *   the group's reach, so it answers for the reach whatever becomes of the
 *   subscriber it was started for; its results, errors included, go to
 *   every member, each through its own bounded stream (member-stream.ts).
 */
import { createHash } from 'node:crypto';
import { getArgumentValues, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Principal } from '../auth.ts';
import { createContext, type Context, type ContextDeps } from '../context.ts';
import type { PrismaClient } from '../db.ts';
import { accountOfReach, reachKey, sessionReach } from '../domain/access/reach.ts';
import { HistoryUnavailableError, resumeAfterCursor, type EventHistory } from '../events/history.ts';
import { replayedPubsub } from '../events/replay.ts';
import type { EventBus, SnyptoPubSub } from '../events/bus.ts';
import type { AnyDomainEvent } from '../events/catalogue.ts';
import { positionOfResult, type EventCursors } from './event-cursors.ts';
import { MemberStream } from './member-stream.ts';
import { ReachGroups, type GroupSource, type Placement, type ReachGroup } from './reach-groups.ts';
import { isShareableDocument, rootFieldOf } from './shared-documents.ts';
import { resolveEventScope } from './subscriptions/events.ts';

type SubscribeArgs = {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variableValues?: Record<string, unknown> | null;
  contextValue?: unknown;
  rootValue?: unknown;
};
type SubscribeResult = AsyncIterableIterator<ExecutionResult> | ExecutionResult;
type SubscribeFn = (args: SubscribeArgs) => SubscribeResult | Promise<SubscribeResult>;

/** A subscriber of a shareable operation. */
interface Subscriber {
  principal: Principal;
  placement: Placement;
  /** The operation's key: equal documents, operation names and variables. */
  operationKey: string;
  /** What the group's execution runs (the operation, not the subscriber's context). */
  args: SubscribeArgs;
  subscribe: SubscribeFn;
  stream: MemberStream;
}

export interface MultiplexerDeps extends ContextDeps {
  db: PrismaClient;
  /** Where a resuming member's replay comes from, when its group's record cannot serve it. */
  history: Pick<EventHistory, 'replay' | 'limits'>;
  /** Each shared result carries its event's cursor, stamped once for every member. */
  cursors: Pick<EventCursors, 'stamp'>;
  bus: Pick<EventBus, 'listen' | 'pubsub'>;
  onError(error: unknown): void;
}

const isStream = (result: SubscribeResult): result is AsyncIterableIterator<ExecutionResult> =>
  typeof result === 'object' && result !== null && Symbol.asyncIterator in result;

/** JSON with object keys sorted: equal variables, equal text. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Documents without source text (built in code) are told apart by identity. */
const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;
function documentText(document: DocumentNode): string {
  const body = document.loc?.source.body;
  if (body !== undefined) return body;
  let id = documentIds.get(document);
  if (id === undefined) documentIds.set(document, (id = ++nextDocumentId));
  return `#document:${id}`;
}

function operationKeyOf(args: SubscribeArgs): string {
  return createHash('sha256')
    .update(stableJson([documentText(args.document), args.operationName ?? null, args.variableValues ?? {}]))
    .digest('base64url');
}

/**
 * How a subscriber resumes: not at all (null); from a cursor given in the
 * document itself ('alone': its document is its own, it runs alone); or
 * from a cursor its SSE request or a variable gave (`variable`: the one
 * that feeds the root field's `after`, left out of what groups share).
 */
function resumeOf(args: SubscribeArgs, context: Context): { cursor: string; variable?: string } | 'alone' | null {
  const root = rootFieldOf(args.document, args.operationName);
  const field = root && args.schema.getSubscriptionType()?.getFields()[root.field.name.value];
  const argument = root?.field.arguments?.find((arg) => arg.name.value === 'after');
  if (root && field && argument) {
    if (argument.value.kind !== 'Variable') return 'alone';
    const variable = argument.value.name.value;
    const cursor = args.variableValues?.[variable];
    if (typeof cursor === 'string') return { cursor, variable };
  }
  return context.lastEventId === undefined ? null : { cursor: context.lastEventId };
}

/**
 * Runs `work` with the context's SSE `Last-Event-ID` set aside, so that a
 * subscription started meanwhile does not resume from it.
 */
async function withoutLastEventId<R>(context: Context, work: () => R | Promise<R>): Promise<R> {
  const { lastEventId } = context;
  delete context.lastEventId;
  try {
    return await work();
  } finally {
    if (lastEventId !== undefined) context.lastEventId = lastEventId;
  }
}

/** The operation as its group runs it: never resuming (each member's replay is its own). */
function sharedArgs(args: SubscribeArgs, variable: string | undefined): SubscribeArgs {
  // Left out rather than null: equal to the subscribers that gave no cursor.
  const variableValues = variable === undefined ? args.variableValues : Object.fromEntries(Object.entries(args.variableValues ?? {}).filter(([name]) => name !== variable));
  return { schema: args.schema, document: args.document, operationName: args.operationName, variableValues };
}

/** The account a staff subscription listens to, as its own subscribe resolved it (the root field's `scope`). */
async function accountOfStaffSubscription(args: SubscribeArgs, context: Context): Promise<number | null> {
  const root = rootFieldOf(args.document, args.operationName);
  const field = root && args.schema.getSubscriptionType()?.getFields()[root.field.name.value];
  if (!root || !field || field.args.some((arg) => arg.name !== 'scope' && arg.name !== 'after')) return null;
  const { scope } = getArgumentValues(field, root.field, args.variableValues ?? {}) as { scope?: Parameters<typeof resolveEventScope>[1] };
  return (await resolveEventScope(context, scope)).accountId;
}

export class Multiplexer {
  private readonly groups: ReachGroups<Subscriber, ExecutionResult>;

  constructor(private readonly deps: MultiplexerDeps) {
    this.groups = new ReachGroups<Subscriber, ExecutionResult>({
      db: deps.db,
      bus: deps.bus,
      placementOf: (subscriber) => subscriber.placement,
      keyOf: (subscriber, reach) => `${subscriber.operationKey}|${reachKey(reach)}`,
      start: (group, starter, events, emit) => this.execute(group, starter, events, emit),
      deliver: (members, result) => {
        for (const member of members) member.stream.push(result);
      },
      positionOf: positionOfResult,
      record: deps.history.limits,
      onError: deps.onError,
    });
  }

  /** The envelop plugin: replaces the subscribe function of every subscription it may share. */
  plugin(): Plugin<Context> {
    return {
      onSubscribe: ({ args, subscribeFn, setSubscribeFn }) => {
        const context = args.contextValue as Context;
        if (context.servesAudience || !isShareableDocument(args.schema, args.document) || resumeOf(args, context) === 'alone') return;
        const kind = context.principal?.kind;
        if (kind !== 'user' && kind !== 'contact') return;
        setSubscribeFn(((shared: SubscribeArgs) => this.subscribe(shared, subscribeFn as SubscribeFn)) as never);
      },
    };
  }

  /**
   * Starts the subscriber's own subscription (admission); when it is
   * granted, closes it and joins the subscriber to its group. A subscriber
   * no group takes (one could not start) runs alone.
   */
  private async subscribe(args: SubscribeArgs, subscribe: SubscribeFn): Promise<SubscribeResult> {
    const context = args.contextValue as Context;
    const resume = resumeOf(args, context);
    const resuming = resume === null || resume === 'alone' ? undefined : resume;
    const shared = sharedArgs(args, resuming?.variable);
    // Admission, without the cursor: the history is read below, and only when the group's record cannot serve.
    const probe = await withoutLastEventId(context, () => subscribe({ ...args, variableValues: shared.variableValues }));
    if (!isStream(probe)) return probe;
    await probe.return?.();
    const principal = context.principal!;
    const placement = await this.placementOf(args, context, principal);
    if (!placement) return subscribe(args);
    const subscriber: Subscriber = {
      principal,
      placement,
      operationKey: operationKeyOf(shared),
      args: shared,
      subscribe,
      stream: new MemberStream(() => this.groups.leave(subscriber)),
    };
    // A resuming member holds its group's results until its own replay is out.
    if (resuming) subscriber.stream.hold();
    if (!(await this.groups.join(subscriber))) return subscribe(args);
    if (!resuming) return subscriber.stream;
    const events = await this.missed(subscriber, resuming.cursor);
    // The history cannot serve the cursor: the subscriber's own subscription answers with its refusal.
    if (events === 'refused') return this.groups.leave(subscriber), subscribe(args);
    if (events !== 'served') void this.replayInto(subscriber, events);
    return subscriber.stream;
  }

  /**
   * What a resuming member missed: sent from its group's record when that
   * holds all of it ('served': the group already executed those events for
   * the member's reach), else the account's events after its cursor, read
   * from the history; 'refused' when the history cannot serve the cursor.
   */
  private async missed(subscriber: Subscriber, cursor: string): Promise<AnyDomainEvent[] | 'served' | 'refused'> {
    const reach = this.groups.reachOf(subscriber);
    try {
      const resume = resumeAfterCursor(cursor);
      if (!reach || !('after' in resume)) throw new HistoryUnavailableError('the subscription left its group');
      subscriber.stream.heardThrough(resume.after);
      const recent = this.groups.recentAfter(subscriber, { epoch: resume.epoch, offset: resume.after, accountId: resume.accountId });
      if (!recent) return await this.deps.history.replay(accountOfReach(reach), resume);
      for (const result of recent) subscriber.stream.replayed(result);
      subscriber.stream.release();
      return 'served';
    } catch (error) {
      if (error instanceof HistoryUnavailableError) return 'refused';
      this.groups.leave(subscriber);
      throw error;
    }
  }

  /**
   * A resuming member's replay of the history it missed, executed once for
   * the member's reach (as its group's are); then the group's results it
   * held, those after the replay's last. So it shares its group's execution
   * from the seam on, rather than running alone for the rest of its life.
   */
  private async replayInto(subscriber: Subscriber, events: AnyDomainEvent[]): Promise<void> {
    const reach = this.groups.reachOf(subscriber);
    try {
      if (!reach) throw new HistoryUnavailableError('the subscription left its group');
      if (events.length > 0) {
        const accountId = accountOfReach(reach);
        const contextValue = await createContext(this.deps, { principal: subscriber.principal }, { reach, events: replayedPubsub(accountId, events) });
        const results = await subscriber.subscribe({ ...subscriber.args, contextValue });
        if (!isStream(results)) throw new HistoryUnavailableError(results.errors?.[0]?.message ?? 'the replay was refused');
        for await (const result of results) subscriber.stream.replayed(this.deps.cursors.stamp(result, contextValue));
      }
      subscriber.stream.release();
    } catch (error) {
      subscriber.stream.end(error);
      this.groups.leave(subscriber);
    }
  }

  private async placementOf(args: SubscribeArgs, context: Context, principal: Principal): Promise<Placement> {
    if (principal.kind === 'contact') return { reach: sessionReach(principal) };
    if (principal.kind !== 'user') return null;
    const accountId = await accountOfStaffSubscription(args, context);
    return accountId === null ? null : { userId: principal.userId, accountId };
  }

  /** Runs the group's one execution, for its reach, and hands each result to the group. */
  private async execute(
    group: ReachGroup<Subscriber>,
    starter: Subscriber,
    events: SnyptoPubSub | undefined,
    emit: (result: ExecutionResult) => void,
  ): Promise<GroupSource | null> {
    const contextValue = await createContext(this.deps, { principal: starter.principal }, { reach: group.reach, events });
    const results = await starter.subscribe({ ...starter.args, contextValue });
    if (!isStream(results)) return null;
    let stopped = false;
    void (async () => {
      let failure: unknown;
      try {
        for await (const result of results) emit(this.deps.cursors.stamp(result, contextValue));
      } catch (error) {
        failure = error;
      }
      // The execution ended by itself (not let go): so do its members' streams, as they would alone.
      if (!stopped) for (const member of [...group.members]) member.stream.end(failure), this.groups.leave(member);
    })();
    return {
      stop: () => {
        stopped = true;
        void results.return?.();
      },
    };
  }
}
