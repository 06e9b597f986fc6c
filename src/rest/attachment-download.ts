/**
 * `GET /attachments/:token/:filename`: an attachment's bytes, where every
 * `data_url` points (src/domain/attachments/links.ts). The unguessable token
 * is the only credential, as Chatwoot's signed blob URLs are; the file name
 * in the path is for the reader and is not checked.
 */
import { create as contentDisposition } from 'content-disposition';
import type { FastifyInstance } from 'fastify';
import { ATTACHMENT_ROUTE } from '../domain/attachments/links.ts';
import type { AttachmentService } from '../domain/attachments/service.ts';
import { NotFoundError } from '../errors.ts';
import { NOT_FOUND_BODY } from './errors.ts';

export function mountAttachmentDownload(app: FastifyInstance, attachments: AttachmentService): void {
  app.get<{ Params: { token: string } }>(ATTACHMENT_ROUTE, async (request, reply) => {
    let file;
    try {
      file = await attachments.download(request.params.token);
    } catch (error) {
      if (error instanceof NotFoundError) return reply.code(404).send(NOT_FOUND_BODY);
      throw error;
    }
    return reply
      .header('content-type', file.contentType)
      // Images are shown in place; anything else is saved under its own name.
      .header('content-disposition', contentDisposition(file.fileName, { type: file.fileType === 'image' ? 'inline' : 'attachment' }))
      .header('cache-control', 'private')
      .send(file.data);
  });
}
