/**
 * Agent: a user as a member of one account (an AccountUser), with role and availability.
 */
import { builder } from '../builder.ts';

void builder;
