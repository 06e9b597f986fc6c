/**
 * Writes the printed, lexicographically sorted SDL to schema/schema.graphql
 * (`npm run schema:print`). A test fails when the file is stale.
 */
import { writeFile } from 'node:fs/promises';
import { printSortedSchema } from '../src/graphql/schema.ts';

await writeFile(new URL('../schema/schema.graphql', import.meta.url), printSortedSchema());
console.log('Wrote schema/schema.graphql');
