/**
 * ContactInbox: a contact's session in one inbox (source_id, pubsub_token).
 */
import { builder } from '../builder.ts';

void builder;
