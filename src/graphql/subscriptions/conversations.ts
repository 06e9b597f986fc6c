/**
 * Subscriptions to conversations events (see events.ts for scopes and recipients).
 */
import { builder } from '../builder.ts';

void builder;
