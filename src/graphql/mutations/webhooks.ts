/**
 * Mutations on webhooks; each one is a thin call into its domain service.
 */
import { builder } from '../builder.ts';

void builder;
