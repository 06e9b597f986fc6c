/**
 * Message attachments over REST (spec/API.md §1.5, §2.6, §3.5, §3.6;
 * CONFORMANCE.md B4-4, I-4, H-27): real multipart uploads, downloads by
 * `data_url`, the conversation's attachment list, webhooks and soft delete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageViewInclude } from '../../src/domain/messages/presenter.ts';
import { loadMessageView } from '../../src/domain/messages/view-sql.ts';
import { PrismaTransactionSql } from '../../src/raw-sql.ts';
import { download, multipartForm, pngImage, postMultipart, type FilePart } from '../support/files.ts';
import { client } from '../support/http.ts';
import { accountPath, addInboxMember, adminApi, createAgent, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { seedForeignTenant } from '../support/tenant.ts';
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.ts';

let server: TestServer;
let sink: WebhookSink;

beforeAll(async () => {
  [server, sink] = await Promise.all([startServer(), startWebhookSink()]);
});
afterAll(async () => {
  await Promise.all([server?.stop(), sink?.close()]);
});

const db = () => server.app.database.prisma;
const png = (width = 2, height = 3): FilePart => ({ fileName: 'photo.PNG', contentType: 'image/png', data: pngImage(width, height) });
const textFile: FilePart = { fileName: 'notes.txt', contentType: 'text/plain', data: Buffer.from('plain words\n') };
const mp3: FilePart = { fileName: 'voice.mp3', contentType: 'audio/mpeg', data: Buffer.from([0xff, 0xfb, 0x90, 0x64, 1, 2, 3, 4]) };

async function scene(webhookUrl?: string) {
  const seeded = await seedConversation(server, webhookUrl);
  const path = (suffix: string) => accountPath(server, `/conversations/${seeded.conversation.id}${suffix}`);
  const post = (fields: Record<string, string>, files: FilePart[] = []) =>
    postMultipart(`${server.url}${path('/messages')}`, server.adminToken, multipartForm(fields, files));
  return { ...seeded, path, post };
}

describe('POST …/conversations/{id}/messages with attachments[]', () => {
  it('B4-4 / I-4 stores a PNG as an image with its pixel size, and serves it at data_url', async () => {
    const s = await scene();
    const image = png(2, 3);
    const reply = await s.post({ content: 'see the picture' }, [image]);
    expect(reply.status).toBe(200);
    expect(reply.body.content).toBe('see the picture');
    const [attachment] = reply.body.attachments;
    expect(reply.body.attachments).toHaveLength(1);
    expect(attachment).toEqual({
      id: expect.any(Number),
      message_id: reply.body.id,
      file_type: 'image',
      account_id: server.accountId,
      extension: 'png',
      data_url: expect.stringMatching(new RegExp(`^${server.url}/attachments/[1-9A-HJ-NP-Za-km-z]{24}/photo\\.PNG$`)),
      thumb_url: attachment.data_url,
      file_size: image.data.length,
      width: 2,
      height: 3,
    });
    const stored = await db().attachment.findUniqueOrThrow({ where: { id: attachment.id }, include: { blob: true } });
    expect(stored).toMatchObject({ messageId: reply.body.id, fileType: 'image', contentType: 'image/png', fileName: 'photo.PNG' });

    const file = await download(attachment.data_url);
    expect(file.status).toBe(200);
    expect(file.data.equals(image.data)).toBe(true);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(file.headers.get('content-disposition')).toBe('inline; filename=photo.PNG');
    expect(file.headers.get('cache-control')).toBe('private');
  });

  it('types a text file as file and audio/mpeg as audio, in the order sent; neither is shown inline', async () => {
    const s = await scene();
    const reply = await s.post({ content: 'two files', message_type: 'incoming' }, [textFile, mp3]);
    expect(reply.status).toBe(200);
    expect(reply.body.message_type).toBe(0);
    const [text, audio] = reply.body.attachments;
    expect(text).toMatchObject({ file_type: 'file', extension: 'txt', thumb_url: '', width: null, height: null, file_size: textFile.data.length });
    expect(text).not.toHaveProperty('transcribed_text');
    expect(audio).toMatchObject({ file_type: 'audio', extension: 'mp3', thumb_url: '', transcribed_text: '', file_size: mp3.data.length });
    expect(audio.id).toBeGreaterThan(text.id);

    const textDownload = await download(text.data_url);
    expect(textDownload.data.equals(textFile.data)).toBe(true);
    expect(textDownload.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(textDownload.headers.get('content-disposition')).toBe('attachment; filename=notes.txt');
    const audioDownload = await download(audio.data_url);
    expect(audioDownload.data.equals(mp3.data)).toBe(true);
    expect(audioDownload.headers.get('content-type')).toBe('audio/mpeg');
  });

  it('merges multipart fields as a form body does: message[…] wrapping and plain keys', async () => {
    const s = await scene();
    const reply = await s.post({ 'message[content]': 'wrapped', 'message[private]': 'true', echo_id: 'echo-1' }, [textFile]);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ content: 'wrapped', private: true, echo_id: 'echo-1' });
    expect(reply.body.attachments).toHaveLength(1);
  });

  it('a message without files has no attachments key (JSON and multipart)', async () => {
    const s = await scene();
    const json = await adminApi(server).post(s.path('/messages'), { content: 'plain' });
    expect(json.status).toBe(200);
    expect(json.body).not.toHaveProperty('attachments');
    const form = await s.post({ content: 'form without files' });
    expect(form.status).toBe(200);
    expect(form.body.content).toBe('form without files');
    expect(form.body).not.toHaveProperty('attachments');
  });

  it('files are read from attachments[] and attachments; other file fields are ignored', async () => {
    const s = await scene();
    const reply = await s.post({ content: 'names' }, [
      { ...textFile, name: 'attachments', fileName: 'plain-name.txt' },
      { ...textFile, name: 'avatar', fileName: 'ignored.txt' },
      { ...textFile, fileName: 'bracketed.txt' },
    ]);
    expect(reply.status).toBe(200);
    expect(reply.body.attachments.map((a: { data_url: string }) => a.data_url.split('/').pop())).toEqual(['plain-name.txt', 'bracketed.txt']);
  });

  it('a message may be files alone, without content', async () => {
    const s = await scene();
    const reply = await s.post({}, [png()]);
    expect(reply.status).toBe(200);
    expect(reply.body.content).toBeNull();
    expect(reply.body.attachments).toHaveLength(1);
  });

  it('a JSON attachments list is not an upload', async () => {
    const s = await scene();
    const reply = await adminApi(server).post(s.path('/messages'), { content: 'json', attachments: [{ fileName: 'x', data: 'AAAA' }] });
    expect(reply.status).toBe(200);
    expect(reply.body).not.toHaveProperty('attachments');
    expect(await db().attachment.count({ where: { messageId: reply.body.id } })).toBe(0);
  });

  it('16 files → 422 "Attachments exceeded maximum allowed", and nothing is written', async () => {
    const s = await scene();
    const before = await db().message.count({ where: { inboxId: s.inbox.id } });
    const files = Array.from({ length: 16 }, (_, i) => ({ ...textFile, fileName: `f${i}.txt` }));
    const reply = await s.post({ content: 'too many' }, files);
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ error: 'Validation failed: Attachments exceeded maximum allowed' });
    expect(await db().message.count({ where: { inboxId: s.inbox.id } })).toBe(before);
  });

  it('15 files are accepted', async () => {
    const s = await scene();
    const files = Array.from({ length: 15 }, (_, i) => ({ ...textFile, fileName: `f${i}.txt` }));
    const reply = await s.post({ content: 'fifteen' }, files);
    expect(reply.status).toBe(200);
    expect(reply.body.attachments.map((a: { data_url: string }) => a.data_url.split('/').pop())).toEqual(files.map((f) => f.fileName));
  });

  it('a 2 MB file round-trips byte for byte', async () => {
    const s = await scene();
    const data = Buffer.alloc(2 * 1024 * 1024);
    for (let i = 0; i < data.length; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, i);
    const reply = await s.post({ content: 'large' }, [{ fileName: 'large.bin', contentType: 'application/octet-stream', data }]);
    expect(reply.status).toBe(200);
    expect(reply.body.attachments[0].file_size).toBe(data.length);
    expect((await download(reply.body.attachments[0].data_url)).data.equals(data)).toBe(true);
  });

  it('a bot token may post files too', async () => {
    const s = await scene();
    const token = `attachments-bot-${process.pid}-0000000`;
    const bot = await db().agentBot.create({ data: { accountId: server.accountId, name: 'Bot', accessToken: { create: { token } } } });
    await db().agentBotInbox.create({ data: { inboxId: s.inbox.id, agentBotId: bot.id, accountId: server.accountId } });
    const reply = await postMultipart(`${server.url}${s.path('/messages')}`, token, multipartForm({ content: 'bot file' }, [png()]));
    expect(reply.status).toBe(200);
    expect(reply.body.sender).toMatchObject({ id: bot.id, type: 'agent_bot' });
    expect(reply.body.attachments[0].file_type).toBe('image');
  });

  it('a malformed multipart body → 400, nothing written', async () => {
    const s = await scene();
    const response = await fetch(`${server.url}${s.path('/messages')}`, {
      method: 'POST',
      headers: { api_access_token: server.adminToken, 'content-type': 'multipart/form-data; boundary=XYZ' },
      body: '--XYZ\r\nContent-Disposition: form-data; name="attachments[]"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nunterminated',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'The request body is not valid multipart form data' });
    expect(await db().message.count({ where: { inboxId: s.inbox.id } })).toBe(0);
  });

  it('an unknown conversation → 404, an invalid message → 422; no attachment is written', async () => {
    const s = await scene();
    const before = await db().attachment.count();
    const unknown = await postMultipart(
      `${server.url}${accountPath(server, '/conversations/999999/messages')}`,
      server.adminToken,
      multipartForm({ content: 'x' }, [png()]),
    );
    expect(unknown.status).toBe(404);
    const invalid = await s.post({ content: 'x', content_type: 'no_such_type' }, [png()]);
    expect(invalid.status).toBe(422);
    expect(await db().attachment.count()).toBe(before);
    expect(await db().message.count({ where: { inboxId: s.inbox.id } })).toBe(0);
  });

  it('without a token → 401, nothing written', async () => {
    const s = await scene();
    const reply = await postMultipart(`${server.url}${s.path('/messages')}`, null, multipartForm({ content: 'x' }, [png()]));
    expect(reply.status).toBe(401);
    expect(await db().message.count({ where: { inboxId: s.inbox.id } })).toBe(0);
  });

  it('the answer is what a later read presents (hand-assembled and hand-read views hold the attachments)', async () => {
    const s = await scene();
    const incoming = await s.post({ content: 'from the contact', message_type: 'incoming' }, [png(), textFile]);
    const outgoing = await s.post({ content: 'from the agent' }, [mp3]);
    const listed = await adminApi(server).get(s.path('/messages'));
    const byId = new Map(listed.body.payload.map((m: { id: number }) => [m.id, m]));
    expect(byId.get(incoming.body.id)).toEqual(incoming.body);
    expect(byId.get(outgoing.body.id)).toEqual(outgoing.body);

    for (const id of [incoming.body.id, outgoing.body.id]) {
      const handRead = await db().$transaction((tx) => loadMessageView(new PrismaTransactionSql(tx), server.accountId, id));
      const prismaRead = await db().message.findUniqueOrThrow({ where: { id }, include: messageViewInclude(server.accountId) });
      expect(handRead).toEqual(prismaRead);
    }
    const handRead = await db().$transaction((tx) => loadMessageView(new PrismaTransactionSql(tx), server.accountId, incoming.body.id));
    expect(handRead.attachments.map((a) => a.fileName)).toEqual(['photo.PNG', 'notes.txt']);
  });

  it('the conversation\'s MessageEvent (GET …/conversations/{id}) carries the last message\'s attachments', async () => {
    const s = await scene();
    const reply = await s.post({ content: 'last one' }, [png()]);
    const conversation = await adminApi(server).get(s.path(''));
    expect(conversation.status).toBe(200);
    const [last] = conversation.body.messages;
    expect(last.id).toBe(reply.body.id);
    expect(last.attachments).toEqual(reply.body.attachments);
  });
});

describe('ATTACHMENT_MAX_BYTES', () => {
  let small: TestServer;
  beforeAll(async () => {
    small = await startServer({ ATTACHMENT_MAX_BYTES: '1024' });
  });
  afterAll(async () => {
    await small?.stop();
  });

  it('a file over the limit → 422 naming it, and nothing is written', async () => {
    const seeded = await seedConversation(small);
    const url = `${small.url}${accountPath(small, `/conversations/${seeded.conversation.id}/messages`)}`;
    const big: FilePart = { fileName: 'big.bin', contentType: 'application/octet-stream', data: Buffer.alloc(1025, 7) };
    const reply = await postMultipart(url, small.adminToken, multipartForm({ content: 'big' }, [textFile, big]));
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ error: 'Validation failed: Attachment big.bin is too large (maximum is 1 KB)' });
    const db = small.app.database.prisma;
    expect(await db.message.count({ where: { inboxId: seeded.inbox.id } })).toBe(0);
    expect(await db.attachment.count()).toBe(0);

    const atLimit = await postMultipart(url, small.adminToken, multipartForm({ content: 'fits' }, [{ ...big, data: Buffer.alloc(1024, 7) }]));
    expect(atLimit.status).toBe(200);
    expect(atLimit.body.attachments[0].file_size).toBe(1024);
  });
});

describe('data_url', () => {
  it('GET /attachments/{unknown token}/{name} → 404 JSON', async () => {
    const reply = await client(server.url, null).get('/attachments/unknowntoken123456789012/photo.png');
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: 'Resource could not be found' });
  });

  it('a non-ASCII file name downloads with an RFC 8187 file name', async () => {
    const s = await scene();
    const reply = await s.post({ content: 'ü' }, [{ ...textFile, fileName: 'résumé.txt' }]);
    expect(reply.body.attachments[0].data_url).toMatch(/\/r%C3%A9sum%C3%A9\.txt$/);
    const file = await download(reply.body.attachments[0].data_url);
    expect(file.headers.get('content-disposition')).toBe(`attachment; filename="r?sum?.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt`);
  });
});

describe('message_created webhook', () => {
  it('carries the attachments, whose data_url downloads the file', async () => {
    const s = await scene(`${sink.url}/attachments-hook`);
    const image = png(4, 5);
    const reply = await s.post({ content: 'hooked', message_type: 'incoming' }, [image]);
    expect(reply.status).toBe(200);
    const hook = await sink.next((h) => h.path === '/attachments-hook' && h.body.event === 'message_created' && h.body.id === reply.body.id);
    expect(hook.body.attachments).toEqual([
      expect.objectContaining({ id: reply.body.attachments[0].id, message_id: reply.body.id, file_type: 'image', width: 4, height: 5 }),
    ]);
    const file = await download(hook.body.attachments[0].data_url);
    expect(file.data.equals(image.data)).toBe(true);
    const plain = await adminApi(server).post(s.path('/messages'), { content: 'no files', message_type: 'incoming' });
    const plainHook = await sink.next((h) => h.body.event === 'message_created' && h.body.id === plain.body.id);
    expect(plainHook.body).not.toHaveProperty('attachments');
  });
});

describe('DELETE …/messages/{id} (soft delete)', () => {
  it('removes the attachments and their bytes; data_url answers 404', async () => {
    const s = await scene();
    const reply = await s.post({ content: 'to delete' }, [png(), textFile]);
    const urls = reply.body.attachments.map((a: { data_url: string }) => a.data_url);
    const ids = reply.body.attachments.map((a: { id: number }) => a.id);
    const deleted = await adminApi(server).delete(s.path(`/messages/${reply.body.id}`));
    expect(deleted.status).toBe(200);
    expect(deleted.body.content).toBe('This message was deleted');
    expect(deleted.body).not.toHaveProperty('attachments');
    for (const url of urls) expect((await download(url)).status).toBe(404);
    expect(await db().attachment.count({ where: { messageId: reply.body.id } })).toBe(0);
    expect(await db().attachmentBlob.count({ where: { attachmentId: { in: ids } } })).toBe(0);
  });
});

describe('GET …/conversations/{id}/attachments', () => {
  it('H-27 lists the conversation\'s attachments, newest first, with each message\'s sender', async () => {
    const s = await scene();
    const first = await s.post({ content: 'one', message_type: 'incoming' }, [png()]);
    const second = await s.post({ content: 'two' }, [textFile, mp3]);
    await adminApi(server).post(s.path('/messages'), { content: 'no files' });
    const reply = await adminApi(server).get(s.path('/attachments'));
    expect(reply.status).toBe(200);
    expect(reply.body.meta).toEqual({ total_count: 3 });
    expect(reply.body.payload).toHaveLength(3);
    const image = reply.body.payload.find((a: { file_type: string }) => a.file_type === 'image');
    expect(image).toEqual({
      message_id: first.body.id,
      thumb_url: first.body.attachments[0].data_url,
      data_url: first.body.attachments[0].data_url,
      file_size: first.body.attachments[0].file_size,
      file_type: 'image',
      extension: 'png',
      width: 2,
      height: 3,
      created_at: first.body.created_at,
      sender: first.body.sender,
    });
    expect(image.sender.id).toBe(s.contactId);
    const fromAgent = reply.body.payload.filter((a: { message_id: number }) => a.message_id === second.body.id);
    expect(fromAgent.map((a: { sender: { type: string } }) => a.sender.type)).toEqual(['user', 'user']);
    expect(reply.body.payload.at(-1).message_id).toBe(first.body.id);

    const secondPage = await adminApi(server).get(s.path('/attachments?page=2'));
    expect(secondPage.body).toEqual({ meta: { total_count: 3 }, payload: [] });
  });

  it('a conversation without attachments → total_count 0', async () => {
    const s = await scene();
    const reply = await adminApi(server).get(s.path('/attachments'));
    expect(reply.body).toEqual({ meta: { total_count: 0 }, payload: [] });
  });

  it('H-27 an agent without access → 401; an unknown conversation → 404; no token → 401', async () => {
    const s = await scene();
    await s.post({ content: 'x' }, [png()]);
    const outsider = await createAgent(server);
    const denied = await client(server.url, outsider.token).get(s.path('/attachments'));
    expect(denied.status).toBe(401);
    expect(denied.body).toEqual({ error: 'You are not authorized to do this action' });
    const member = await createAgent(server);
    await addInboxMember(server, s.inbox.id, member.id);
    expect((await client(server.url, member.token).get(s.path('/attachments'))).body.meta.total_count).toBe(1);
    const unknown = await adminApi(server).get(accountPath(server, '/conversations/999999/attachments'));
    expect(unknown.status).toBe(404);
    expect((await client(server.url, null).get(s.path('/attachments'))).status).toBe(401);
  });

  it('another account\'s attachments are never listed', async () => {
    const foreign = await seedForeignTenant(server);
    await db().attachment.create({
      data: {
        accountId: foreign.account.id,
        messageId: foreign.message.id,
        fileType: 'file',
        fileName: 'secret.txt',
        contentType: 'text/plain',
        byteSize: 6,
        token: `foreign-token-${foreign.account.id}-000000`,
        blob: { create: { data: Buffer.from('secret') } },
      },
    });
    const theirs = await client(server.url, foreign.adminToken).get(
      `/api/v1/accounts/${foreign.account.id}/conversations/${foreign.conversation.displayId}/attachments`,
    );
    expect(theirs.body.meta.total_count).toBe(1);
    // Our conversation with the same display id lists only our own.
    const ours = await adminApi(server).get(accountPath(server, `/conversations/${foreign.conversation.displayId}/attachments`));
    expect(ours.body.payload.map((a: { message_id: number }) => a.message_id)).not.toContain(foreign.message.id);
    const crossing = await adminApi(server).get(
      `/api/v1/accounts/${foreign.account.id}/conversations/${foreign.conversation.displayId}/attachments`,
    );
    expect(crossing.status).toBe(401);
  });
});

describe('Client API POST …/conversations/{id}/messages with attachments[]', () => {
  it('stores the contact\'s files with their incoming message; PublicMessage carries them', async () => {
    const s = await scene();
    const url = `${server.url}/public/api/v1/inboxes/${s.inbox.inbox_identifier}/contacts/${s.sourceId}/conversations/${s.conversation.id}/messages`;
    const image = png(3, 2);
    const reply = await postMultipart(url, null, multipartForm({ content: 'from the widget' }, [image]));
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ content: 'from the widget', message_type: 0 });
    expect(reply.body.attachments).toEqual([
      expect.objectContaining({ message_id: reply.body.id, file_type: 'image', width: 3, height: 2, extension: 'png' }),
    ]);
    expect((await download(reply.body.attachments[0].data_url)).data.equals(image.data)).toBe(true);
    const listed = await adminApi(server).get(s.path('/attachments'));
    expect(listed.body.payload[0]).toMatchObject({ message_id: reply.body.id, sender: { id: s.contactId, type: 'contact' } });
  });

  it('16 files → 422, nothing written', async () => {
    const s = await scene();
    const url = `${server.url}/public/api/v1/inboxes/${s.inbox.inbox_identifier}/contacts/${s.sourceId}/conversations/${s.conversation.id}/messages`;
    const files = Array.from({ length: 16 }, (_, i) => ({ ...textFile, fileName: `f${i}.txt` }));
    const reply = await postMultipart(url, null, multipartForm({ content: 'too many' }, files));
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ message: 'Attachments exceeded maximum allowed', attributes: ['attachments'] });
    expect(await db().message.count({ where: { inboxId: s.inbox.id } })).toBe(0);
  });
});
