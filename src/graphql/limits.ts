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
  /** Aliases per operation. */
  maxAliases: 15,
  /** Lexical tokens per document: the largest test operation is a few hundred. */
  maxTokens: 3000,
  /** Static cost (objects 2, scalars 1, ×1.5 per level of depth): a conversation list with messages and senders is about 13 000. */
  maxCost: 50_000,
  maxDirectives: 50,
} as const;

export const armor = () =>
  EnvelopArmorPlugin({
    maxDepth: { n: QUERY_LIMITS.maxDepth, ignoreIntrospection: true, exposeLimits: true },
    maxAliases: { n: QUERY_LIMITS.maxAliases, exposeLimits: true },
    maxTokens: { n: QUERY_LIMITS.maxTokens, exposeLimits: true },
    costLimit: { maxCost: QUERY_LIMITS.maxCost, ignoreIntrospection: true, exposeLimits: true },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives, exposeLimits: true },
    // GraphiQL needs no suggestions; they would spell out the schema to anyone guessing.
    blockFieldSuggestion: { enabled: true },
  });
