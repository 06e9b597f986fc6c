/**
 * schema/schema.graphql is the contract: it must match the schema the code builds.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { printSortedSchema } from '../../src/graphql/schema.ts';

describe('the printed SDL', () => {
  it('is up to date (run `npm run schema:print` after changing the schema)', async () => {
    const committed = await readFile(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');
    expect(printSortedSchema()).toBe(committed);
  });
});
