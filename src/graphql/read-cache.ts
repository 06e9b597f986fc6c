/**
 * Query results cached per caller until the next committed write.
 *
 * A query operation's result is kept under (caller, document, operation
 * name, variables) and served again while the database's write epoch has
 * not moved: any committed write in this process (a message, a seen mark, a
 * webhook delivery's outcome, a token reset) makes every cached result
 * stale, so nothing is ever served that a write has changed. Results with
 * errors, mutations and subscriptions are never cached. Each caller has
 * their own entries, so what one may see is never served to another, and
 * the same query missing for many requests at once is executed once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.ts';
import { EpochCache } from '../epoch-cache.ts';

export function useReadCache(options: { writeEpoch: () => number; maxEntries: number }): Plugin<Context> {
  const results = new EpochCache<string, ExecutionResult>(options.writeEpoch, options.maxEntries);
  // Parsed documents are cached by Yoga, so one query text is one DocumentNode.
  const documentIds = new WeakMap<DocumentNode, number>();
  let documents = 0;
  const documentId = (document: DocumentNode) => {
    let id = documentIds.get(document);
    if (id === undefined) documentIds.set(document, (id = ++documents));
    return id;
  };

  // Identical queries that miss together run once: the first executes, the others wait for its result.
  const inFlight = new Map<string, Promise<ExecutionResult | undefined>>();

  return {
    async onExecute({ args, setResultAndStopExecution }) {
      if (options.maxEntries <= 0) return;
      const context = args.contextValue as Context;
      if (!context.principal) return;
      if (getOperationAST(args.document, args.operationName)?.operation !== 'query') return;
      const key = JSON.stringify([
        context.principal,
        documentId(args.document),
        args.operationName ?? null,
        args.variableValues ?? null,
      ]);
      // A key is held as long as its entry: variables of megabytes (no real client's) are not cached, or a
      // caller could fill the process's memory with them.
      if (key.length > MAX_KEY_LENGTH) return;
      const cached = results.get(key);
      if (cached) return setResultAndStopExecution(cached);
      const epoch = results.now();
      const flight = `${epoch}:${key}`;
      const running = inFlight.get(flight);
      if (running) {
        const shared = await Promise.race([running, sleep(FLIGHT_WAIT_MS, undefined, { ref: false })]);
        if (shared) return setResultAndStopExecution(shared);
        return; // the first one failed or is slow: run this one too
      }
      let land!: (result: ExecutionResult | undefined) => void;
      inFlight.set(flight, new Promise((resolve) => (land = resolve)));
      return {
        onExecuteDone({ result }) {
          inFlight.delete(flight);
          if (Symbol.asyncIterator in result || result.errors?.length) return land(undefined);
          results.set(key, result, epoch);
          land(result);
        },
      };
    },
  };
}

/** The longest cache key kept (characters): the entries of a full cache then hold at most maxEntries × this. */
export const MAX_KEY_LENGTH = 16 * 1024;

/** How long an identical query waits for the one already running before it runs itself. */
const FLIGHT_WAIT_MS = 5_000;
