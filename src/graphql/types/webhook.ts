/**
 * Webhook: an account webhook and its subscriptions (administrators only).
 */
import { builder } from '../builder.ts';

void builder;
