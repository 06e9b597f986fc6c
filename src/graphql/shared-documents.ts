/**
 * Which subscription documents answer the same for everyone of one reach,
 * so that the multiplexer (multiplexer.ts) may execute them once for all of
 * them. The rule is fail-safe: a document is shareable only if every field
 * it selects (fragments included) is on a type of REACH_DETERMINED_TYPES
 * and is not one of PER_CALLER_FIELDS, and its root field is one of
 * SHARED_SUBSCRIPTIONS. A type or field missing from these lists only
 * costs sharing (each subscriber is then executed alone), never a leak.
 *
 * A type belongs here when its resolvers and auth scopes decide from the
 * reach alone: `context.access` (a Visibility fixed to the reach), the
 * principal's kind (staff or contact: the same for every member of a
 * reach), and rows. A field that reads who the caller is (`context.principal`'s
 * ids, `actorInAccount`, `context.actorIn`, `isAdministratorOf`) is per
 * caller. Checked (src/graphql/types/): Contact.contactInboxes (the user's
 * memberships), Contact.conversations and ContactInbox.conversations
 * (`actorInAccount`), Inbox.hmacToken and Inbox.webhookSecret
 * (`isAdministratorOf`: the caller's role) are per caller; the typing
 * subscription (own typing filtered by the caller) and `roomEvents`
 * (the caller as a /cable party) are not shared at all.
 */
import { Kind, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type FieldNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';

/** Subscription fields whose events and filters depend on the reach and the variables only. */
export const SHARED_SUBSCRIPTIONS: ReadonlySet<string> = new Set([
  'messageCreated',
  'messageUpdated',
  'conversationCreated',
  'conversationUpdated',
  'contactCreated',
  'contactUpdated',
]);

/** Object, connection and union types whose fields answer for a reach (see the module comment). */
export const REACH_DETERMINED_TYPES: ReadonlySet<string> = new Set([
  'Message',
  'MessageSender',
  'Attachment',
  'Conversation',
  'ConversationAssignee',
  'ConversationMessagesConnection',
  'ConversationMessagesConnectionEdge',
  'PageInfo',
  'Contact',
  'ContactInbox',
  'Inbox',
  'WorkingHoursDay',
  'Agent',
  'AgentBot',
  'Team',
]);

/** Fields of those types that read who the caller is, not only what they reach. */
export const PER_CALLER_FIELDS: ReadonlySet<string> = new Set([
  'Contact.contactInboxes',
  'Contact.conversations',
  'ContactInbox.conversations',
  'Inbox.hmacToken',
  'Inbox.webhookSecret',
]);

/** Whether every field a document selects answers for a reach (computed once per document). */
const shareableDocuments = new WeakMap<DocumentNode, boolean>();

export function isShareableDocument(schema: GraphQLSchema, document: DocumentNode): boolean {
  let shareable = shareableDocuments.get(document);
  if (shareable === undefined) shareableDocuments.set(document, (shareable = selectsOnlyReachFields(schema, document)));
  return shareable;
}

function selectsOnlyReachFields(schema: GraphQLSchema, document: DocumentNode): boolean {
  const subscriptionType = schema.getSubscriptionType();
  const typeInfo = new TypeInfo(schema);
  let shareable = true;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      OperationDefinition(node) {
        if (node.operation !== 'subscription') shareable = false;
      },
      Field(node) {
        const parent = typeInfo.getParentType();
        const field = node.name.value;
        if (field.startsWith('__') && field !== '__schema' && field !== '__type') return;
        if (!parent) shareable = false;
        else if (parent === subscriptionType) shareable &&= SHARED_SUBSCRIPTIONS.has(field);
        else shareable &&= REACH_DETERMINED_TYPES.has(parent.name) && !PER_CALLER_FIELDS.has(`${parent.name}.${field}`);
      },
    }),
  );
  return shareable;
}

/** The operation that runs (by name, or the only one) and its one root field; null for anything else. */
export function rootFieldOf(document: DocumentNode, operationName?: string | null): { operation: OperationDefinitionNode; field: FieldNode } | null {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  const selections = operation?.selectionSet.selections ?? [];
  const field = selections[0];
  if (!operation || selections.length !== 1 || field?.kind !== Kind.FIELD) return null;
  return { operation, field };
}
