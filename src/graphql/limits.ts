/**
 * Limits against abusive operations (graphql-armor), applied on every
 * transport because they run in Yoga's validation. They are set so that
 * every operation a real client sends (the test operations, GraphiQL's
 * introspection, the benchmark's conversation list) passes with room to
 * spare; a rejected operation gets one GraphQL error saying which limit it
 * broke, before anything is executed.
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';

export const QUERY_LIMITS = {
  /** Nesting depth: account → conversations → edges → node → lastMessage → sender → … is about 8. */
  maxDepth: 12,
  /** Aliases per operation (`__typename` aliases are free). */
  maxAliases: 15,
  /** Lexical tokens per document: the largest test operation is a few hundred. */
  maxTokens: 3000,
  /**
   * Estimated size of the answer: objects 2, scalars 1, multiplied by the
   * `first`/`last` of each connection. 25 conversations with their last 20
   * messages and senders is about 6 000; 100 conversations × 100 messages is
   * refused.
   */
  maxCost: 25_000,
  maxDirectives: 50,
} as const;

export const armor = () =>
  EnvelopArmorPlugin({
    // Inline fragments (`... on AccountSuccess`) add no depth and no cost of their own.
    maxDepth: { n: QUERY_LIMITS.maxDepth, ignoreIntrospection: true, flattenFragments: true, exposeLimits: true },
    maxAliases: { n: QUERY_LIMITS.maxAliases, exposeLimits: true },
    maxTokens: { n: QUERY_LIMITS.maxTokens, exposeLimits: true },
    costLimit: {
      maxCost: QUERY_LIMITS.maxCost,
      objectCost: 2,
      scalarCost: 1,
      depthCostFactor: 1,
      flattenFragments: true,
      ignoreIntrospection: true,
      exposeLimits: true,
    },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives, exposeLimits: true },
    // GraphiQL needs no suggestions; they would spell out the schema to anyone guessing.
    blockFieldSuggestion: { enabled: true },
  });
