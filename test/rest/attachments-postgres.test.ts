/**
 * Attachments on PostgreSQL (DATABASE_URL, the server at 127.0.0.1:5432):
 * the bytes travel as bytea parameters of the hot path's prepared
 * statements through the pg driver adapter, and come back byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download, multipartForm, pngImage, postMultipart } from '../support/files.ts';
import { createScratchDatabase, POSTGRES_ADMIN_URL, type ScratchDatabase } from '../support/scratch-database.ts';
import { accountPath, adminApi, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let database: ScratchDatabase;
let server: TestServer;

beforeAll(async () => {
  database = await createScratchDatabase(POSTGRES_ADMIN_URL, 'snypto_attachments');
  server = await startServer({ DATABASE_URL: database.url });
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

describe('attachments on PostgreSQL', () => {
  it('stores, serves, lists and soft-deletes them', async () => {
    const seeded = await seedConversation(server);
    const path = (suffix: string) => accountPath(server, `/conversations/${seeded.conversation.id}${suffix}`);
    const image = pngImage(2, 3);
    const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i)); // every byte value, NUL included
    for (const messageType of ['incoming', 'outgoing']) {
      const reply = await postMultipart(
        `${server.url}${path('/messages')}`,
        server.adminToken,
        multipartForm({ content: messageType, message_type: messageType }, [
          { fileName: 'photo.png', contentType: 'image/png', data: image },
          { fileName: 'all-bytes.bin', contentType: 'application/octet-stream', data: binary },
        ]),
      );
      expect(reply.status).toBe(200);
      expect(reply.body.attachments.map((a: { file_type: string }) => a.file_type)).toEqual(['image', 'file']);
      expect(reply.body.attachments[0]).toMatchObject({ width: 2, height: 3 });
      expect((await download(reply.body.attachments[0].data_url)).data.equals(image)).toBe(true);
      expect((await download(reply.body.attachments[1].data_url)).data.equals(binary)).toBe(true);
    }
    const listed = await adminApi(server).get(path('/attachments'));
    expect(listed.body.meta.total_count).toBe(4);
    const messageId = listed.body.payload[0].message_id;
    const url = listed.body.payload[0].data_url;
    expect((await adminApi(server).delete(path(`/messages/${messageId}`))).status).toBe(200);
    expect((await download(url)).status).toBe(404);
    expect((await adminApi(server).get(path('/attachments'))).body.meta.total_count).toBe(2);
  });
});
