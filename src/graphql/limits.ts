/**
 * Limits against abusive operations (graphql-armor), applied on every
 * transport because they run in Yoga's validation. They are set so that
 * every operation a real client sends (the test operations, GraphiQL's
 * introspection, the benchmark's conversation list) passes with room to
 * spare; a rejected operation gets one GraphQL error saying which limit it
 * broke, before anything is executed.
 *
 * Introspection is inside the limits too. Its cost counts like any other
 * selection. Its depth has a limit of its own, because the standard
 * introspection query (graphql-js `getIntrospectionQuery()`, which GraphiQL,
 * graphql-codegen and most tools send) nests `ofType` nine times in its
 * `TypeRef` fragment and so is deeper than any operation on the data. The
 * list fields of `__Type` (`fields { type { fields … } } }`) are bounded
 * separately by graphql-js's own MaxIntrospectionDepthRule, which Yoga runs
 * with the other specified rules.
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { Plugin } from 'graphql-yoga';

export const QUERY_LIMITS = {
  /** Nesting depth: account → conversations → edges → node → lastMessage → sender → … is about 8. */
  maxDepth: 12,
  /**
   * Nesting depth of an operation that reads `__schema`: the standard
   * introspection query is 15 deep whatever its options (`__schema → types →
   * fields → type` and nine `ofType`, fragments flattened). A deeper
   * introspection (`ofType { ofType { … } }` 20 levels) is refused.
   */
  maxIntrospectionDepth: 15,
  /** Aliases per operation (`__typename` aliases are free). */
  maxAliases: 15,
  /** Lexical tokens per document: the largest test operation is a few hundred. */
  maxTokens: 3000,
  /**
   * Estimated size of the answer: objects 2, scalars 1, multiplied by the
   * `first`/`last` of each connection. 25 conversations with their last 20
   * messages and senders is about 6 000; 100 conversations × 100 messages is
   * refused. The full introspection query costs about 330.
   */
  maxCost: 25_000,
  maxDirectives: 50,
} as const;

/** The only protections of the second armor: everything else is checked once, by the first. */
const DISABLED = {
  maxAliases: { enabled: false },
  maxTokens: { enabled: false },
  costLimit: { enabled: false },
  maxDirectives: { enabled: false },
  blockFieldSuggestion: { enabled: false },
} as const;

export const armor = (): Plugin => ({
  onPluginInit({ addPlugin }) {
    addPlugin(
      EnvelopArmorPlugin({
        // Inline fragments (`... on AccountSuccess`) add no depth and no cost of their own.
        // `__schema` is skipped here and measured against its own limit below.
        maxDepth: { n: QUERY_LIMITS.maxDepth, ignoreIntrospection: true, flattenFragments: true, exposeLimits: true },
        maxAliases: { n: QUERY_LIMITS.maxAliases, exposeLimits: true },
        maxTokens: { n: QUERY_LIMITS.maxTokens, exposeLimits: true },
        costLimit: {
          maxCost: QUERY_LIMITS.maxCost,
          objectCost: 2,
          scalarCost: 1,
          depthCostFactor: 1,
          flattenFragments: true,
          ignoreIntrospection: false,
          exposeLimits: true,
        },
        maxDirectives: { n: QUERY_LIMITS.maxDirectives, exposeLimits: true },
        // GraphiQL needs no suggestions; they would spell out the schema to anyone guessing.
        blockFieldSuggestion: { enabled: true },
      }),
    );
    // The whole operation, `__schema` included. Its rules run after those above, so an operation too deep
    // outside `__schema` is refused with the general limit's message first; only introspection reaches this one.
    addPlugin(
      EnvelopArmorPlugin({
        ...DISABLED,
        maxDepth: {
          n: QUERY_LIMITS.maxIntrospectionDepth,
          ignoreIntrospection: false,
          flattenFragments: true,
          exposeLimits: false,
          errorMessage: `Introspection depth limit of ${QUERY_LIMITS.maxIntrospectionDepth} exceeded.`,
        },
      }),
    );
  },
});
