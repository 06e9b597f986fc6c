/**
 * Attachment: a file a message carries (spec/API.md §1.7 `file_type`), and
 * `Message.attachments`. Seen by whoever may see the message; the bytes are
 * downloaded from `dataUrl`. Uploading through GraphQL is not offered: files
 * come with REST's multipart `attachments[]`.
 */
import { attachmentUrls } from '../../domain/attachments/presenter.ts';
import { builder } from '../builder.ts';

const AttachmentFileTypeEnum = builder.enumType('AttachmentFileType', {
  description: 'What an attachment holds (Chatwoot\'s file_type).',
  values: Object.fromEntries(
    (['image', 'audio', 'video', 'file', 'location', 'fallback', 'share', 'story_mention', 'contact', 'ig_reel', 'ig_post', 'ig_story', 'embed'] as const).map(
      (value) => [value.toUpperCase(), { value }],
    ),
  ),
});

export const AttachmentType = builder.prismaObject('Attachment', {
  description: 'A file carried by a message.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The numeric id used by the REST API.' }),
    fileType: t.expose('fileType', { type: AttachmentFileTypeEnum }),
    fileName: t.exposeString('fileName'),
    contentType: t.exposeString('contentType'),
    fileSize: t.exposeInt('byteSize', { description: 'Size in bytes.' }),
    width: t.exposeInt('width', { nullable: true, description: 'Pixel width, for images.' }),
    height: t.exposeInt('height', { nullable: true, description: 'Pixel height, for images.' }),
    extension: t.exposeString('extension', { nullable: true, description: 'The file name\'s extension, without the dot.' }),
    dataUrl: t.string({ description: 'Where the file is downloaded.', resolve: (a) => attachmentUrls(a).data_url }),
    thumbUrl: t.string({
      description: 'A preview: the image itself for images (no resizing), empty for other files.',
      resolve: (a) => attachmentUrls(a).thumb_url,
    }),
  }),
});

builder.prismaObjectField('Message', 'attachments', (t) =>
  t.relation('attachments', {
    description: 'The files the message carries, in the order they were sent.',
    query: { orderBy: { id: 'asc' } },
  }),
);
