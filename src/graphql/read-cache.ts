/**
 * Query results cached per caller until the next committed write.
 *
 * A query operation's result is kept under (caller, document, operation
 * name, variables) and served again while the database's write epoch has
 * not moved: any committed write in this process (a message, a seen mark, a
 * webhook delivery's outcome, a token reset) makes every cached result
 * stale, so nothing is ever served that a write has changed. Results with
 * errors, mutations and subscriptions are never cached. Each caller has
 * their own entries, so what one may see is never served to another.
 */
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

  return {
    onExecute({ args, setResultAndStopExecution }) {
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
      const cached = results.get(key);
      if (cached) {
        setResultAndStopExecution(cached);
        return;
      }
      const epoch = results.now();
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result || result.errors?.length) return;
          results.set(key, result, epoch);
        },
      };
    },
  };
}
