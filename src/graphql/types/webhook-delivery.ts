/**
 * WebhookDelivery: one attempt log row of a webhook delivery (administrators only).
 */
import { builder } from '../builder.ts';

void builder;
