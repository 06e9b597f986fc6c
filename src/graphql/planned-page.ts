/**
 * A conversation page read in one planned statement
 * (domain/conversations/page.ts) hands each row's unread count and last
 * message to the Conversation type's fields, which then answer without
 * their batch loaders. A last message is used only by a field whose own
 * query (the selection Pothos hands its resolver) is the one it was planned
 * with; any other answers through its loader, as before.
 */
import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

const PLANNED = Symbol('planned conversation fields');

export interface PlannedFields {
  unreadCount?: number;
  /** The last message, planned with the query whose JSON is `query`. */
  lastMessage?: { query: string; message: object | null };
}

/** The row with its planned fields attached. */
export const withPlannedFields = <Row extends object>(row: Row, fields: PlannedFields): Row =>
  Object.assign(row, { [PLANNED]: fields });

export const plannedFieldsOf = (row: object): PlannedFields | undefined => (row as { [PLANNED]?: PlannedFields })[PLANNED];

/** The planned last message for a field resolving with `query`, or undefined (not planned, or planned with another query). */
export function plannedLastMessage(row: object, query: object): { message: object | null } | undefined {
  const planned = plannedFieldsOf(row)?.lastMessage;
  return planned && planned.query === JSON.stringify(query) ? planned : undefined;
}

/** Whether the field `info` resolves selects `path` below it (through fragments, whatever the aliases). */
export function selectsPath(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  const within = (selectionSet: SelectionSetNode | undefined, rest: readonly string[]): boolean => {
    if (!selectionSet) return false;
    if (rest.length === 0) return true;
    return selectionSet.selections.some((selection) => {
      switch (selection.kind) {
        case Kind.FIELD:
          return selection.name.value === rest[0] && (rest.length === 1 || within(selection.selectionSet, rest.slice(1)));
        case Kind.INLINE_FRAGMENT:
          return within(selection.selectionSet, rest);
        case Kind.FRAGMENT_SPREAD:
          return within(info.fragments[selection.name.value]?.selectionSet, rest);
      }
    });
  };
  return info.fieldNodes.some((node: FieldNode) => within(node.selectionSet, path));
}
