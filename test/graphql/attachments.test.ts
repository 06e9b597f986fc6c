/**
 * `Message.attachments` over GraphQL: the files uploaded with REST's
 * multipart `attachments[]`, with download URLs that serve them, seen only
 * by those who may see the message.
 */
import { parse } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download, multipartForm, pngImage, postMultipart } from '../support/files.ts';
import { contactCaller, globalId, graphql } from '../support/graphql.ts';
import { accountPath, createAgent, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

interface AttachmentFields {
  id: string;
  fileType: string;
  fileName: string;
  contentType: string;
  fileSize: number;
  width: number | null;
  height: number | null;
  extension: string | null;
  dataUrl: string;
  thumbUrl: string;
}
type MessageResult = { node: { databaseId: number; attachments: AttachmentFields[] } | null };

const messageAttachments = parse(`
  query MessageAttachments($id: ID!) {
    node(id: $id) {
      ... on Message { databaseId attachments { id fileType fileName contentType fileSize width height extension dataUrl thumbUrl } }
    }
  }
`) as TypedDocumentNode<MessageResult, { id: string }>;

async function postWithFiles(seeded: Awaited<ReturnType<typeof seedConversation>>, fields: Record<string, string>) {
  const url = `${server.url}${accountPath(server, `/conversations/${seeded.conversation.id}/messages`)}`;
  const image = pngImage(2, 3);
  const reply = await postMultipart(
    url,
    server.adminToken,
    multipartForm(fields, [
      { fileName: 'photo.png', contentType: 'image/png', data: image },
      { fileName: 'notes.txt', contentType: 'text/plain', data: Buffer.from('words') },
    ]),
  );
  expect(reply.status).toBe(200);
  return { message: reply.body, image };
}

describe('Message.attachments', () => {
  it('lists the files with their metadata, and dataUrl downloads each', async () => {
    const seeded = await seedConversation(server);
    const { message, image } = await postWithFiles(seeded, { content: 'files' });
    const result = await graphql(server, server.adminToken, messageAttachments, { id: globalId('Message', message.id) });
    expect(result.errors).toBeUndefined();
    const [photo, notes] = result.data!.node!.attachments;
    expect(photo).toEqual({
      id: String(message.attachments[0].id),
      fileType: 'IMAGE',
      fileName: 'photo.png',
      contentType: 'image/png',
      fileSize: image.length,
      width: 2,
      height: 3,
      extension: 'png',
      dataUrl: message.attachments[0].data_url,
      thumbUrl: message.attachments[0].data_url,
    });
    expect(photo!.dataUrl.startsWith(`${server.url}/attachments/`)).toBe(true);
    expect(notes).toMatchObject({ fileType: 'FILE', width: null, height: null, extension: 'txt', thumbUrl: '' });
    expect((await download(photo!.dataUrl)).data.equals(image)).toBe(true);
    expect((await download(notes!.dataUrl)).data.toString()).toBe('words');
  });

  it('is an empty list for a message without files', async () => {
    const seeded = await seedConversation(server);
    const reply = await fetch(`${server.url}${accountPath(server, `/conversations/${seeded.conversation.id}/messages`)}`, {
      method: 'POST',
      headers: { api_access_token: server.adminToken, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'plain' }),
    });
    const message = (await reply.json()) as { id: number };
    const result = await graphql(server, server.adminToken, messageAttachments, { id: globalId('Message', message.id) });
    expect(result.data!.node).toEqual({ databaseId: message.id, attachments: [] });
  });

  it('the contact sees the attachments of their public messages, not of private notes; an outside agent sees none', async () => {
    const seeded = await seedConversation(server);
    const { message: shown } = await postWithFiles(seeded, { content: 'to the contact' });
    const { message: note } = await postWithFiles(seeded, { content: 'note', private: 'true' });
    const contact = contactCaller(seeded.inbox.inbox_identifier, seeded.sourceId);
    const visible = await graphql(server, contact, messageAttachments, { id: globalId('Message', shown.id) });
    expect(visible.data!.node!.attachments).toHaveLength(2);
    const hidden = await graphql(server, contact, messageAttachments, { id: globalId('Message', note.id) });
    expect(hidden.data?.node ?? null).toBeNull();
    const outsider = await createAgent(server);
    const denied = await graphql(server, outsider.token, messageAttachments, { id: globalId('Message', shown.id) });
    expect(denied.data?.node ?? null).toBeNull();
  });
});
