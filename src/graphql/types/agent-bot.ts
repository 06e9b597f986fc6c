/**
 * AgentBot: an automated sender/assignee connected to inboxes.
 */
import { builder } from '../builder.ts';

void builder;
