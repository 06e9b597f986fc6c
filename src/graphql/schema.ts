/**
 * The executable schema: every type file registers itself on the builder.
 */
import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.ts';
import './types/enums.ts';
import './types/account.ts';
import './types/inbox.ts';
import './types/contact.ts';
import './types/conversation.ts';
import './types/message.ts';
import './subscriptions/message-created.ts';

export const schema = builder.toSchema();

/** The printed, lexicographically sorted SDL: the contract in schema/schema.graphql. */
export const printSortedSchema = (): string => `${printSchema(lexicographicSortSchema(schema))}\n`;
