/**
 * Where attachment URLs point: FRONTEND_URL when configured. In a file of
 * its own because the base is one value per process (src/domain/attachments/links.ts)
 * and this server sets it to a host nobody else here can reach.
 */
import { describe, expect, it } from 'vitest';
import { attachmentUrl, useLinkBase } from '../../src/domain/attachments/links.ts';
import { multipartForm, postMultipart, type FilePart } from '../support/files.ts';
import { accountPath, seedConversation } from '../support/seed.ts';
import { startServer } from '../support/server.ts';

const textFile: FilePart = { fileName: 'notes.txt', contentType: 'text/plain', data: Buffer.from('plain words\n') };

describe('data_url', () => {
  it('encodes the file name under the base, without a trailing slash twice', () => {
    useLinkBase('http://h/');
    expect(attachmentUrl('T', 'a b/ü.png')).toBe('http://h/attachments/T/a%20b%2F%C3%BC.png');
  });

  it('starts with FRONTEND_URL when it is configured', async () => {
    const configured = await startServer({ FRONTEND_URL: 'https://chat.example.com/' });
    try {
      const seeded = await seedConversation(configured);
      const url = `${configured.url}${accountPath(configured, `/conversations/${seeded.conversation.id}/messages`)}`;
      const reply = await postMultipart(url, configured.adminToken, multipartForm({ content: 'x' }, [textFile]));
      expect(reply.status).toBe(200);
      expect(reply.body.attachments[0].data_url).toMatch(/^https:\/\/chat\.example\.com\/attachments\/\w{24}\/notes\.txt$/);
    } finally {
      await configured.stop();
    }
  });
});
