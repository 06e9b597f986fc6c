/**
 * Files a message is created with (multipart `attachments[]`, spec/API.md
 * §3.6 and §5.2): checked and described before the message's transaction
 * opens, so that a bad upload writes nothing.
 */
import path from 'node:path';
import { imageSize } from 'image-size';
import { ValidationError } from '../../errors.ts';
import type { AttachmentFileType } from '../../generated/prisma/client.ts';
import { secureToken } from '../tokens.ts';

/** Chatwoot's `Message::NUMBER_OF_PERMITTED_ATTACHMENTS`. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 15;

/** One file as a transport received it. */
export interface UploadedFile {
  fileName: string;
  contentType: string;
  data: Buffer;
  /**
   * Set when the file was larger than the size limit in force (this many
   * bytes): the transport stopped reading it, and `data` is incomplete.
   */
  exceededBytes?: number;
}

/** An attachment ready to be written: its row's values and its bytes. */
export interface AttachmentDraft {
  fileType: AttachmentFileType;
  fileName: string;
  contentType: string;
  byteSize: number;
  width: number | null;
  height: number | null;
  extension: string | null;
  token: string;
  data: Buffer;
}

/** What a content type holds, as Chatwoot's `file_type` reads it: image, audio, video, else file. */
export function fileTypeOf(contentType: string): AttachmentFileType {
  const major = contentType.split('/')[0]!.trim().toLowerCase();
  return major === 'image' || major === 'audio' || major === 'video' ? major : 'file';
}

/** The file name's extension without the dot, lower case (`photo.PNG` → `png`); null when it has none. */
export function extensionOf(fileName: string): string | null {
  const extension = path.extname(fileName).slice(1).toLowerCase();
  return extension === '' ? null : extension;
}

/** Pixel size of an image's bytes; nulls when the format is not one image-size reads, or the bytes are damaged. */
function pixelSizeOf(data: Buffer): { width: number | null; height: number | null } {
  try {
    const { width, height } = imageSize(data);
    return { width: width ?? null, height: height ?? null };
  } catch {
    return { width: null, height: null };
  }
}

/** Human-readable size for a limit, e.g. 40 MB (Rails' `number_to_human_size` wording). */
function humanSize(bytes: number): string {
  const units = ['Bytes', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

/**
 * Checks and describes a message's files: at most 15, each within the size
 * limit; a ValidationError on `attachments` names every problem.
 */
export function prepareAttachments(files: readonly UploadedFile[] | undefined): AttachmentDraft[] {
  if (!files || files.length === 0) return [];
  if (files.length > MAX_ATTACHMENTS_PER_MESSAGE) throw ValidationError.of('attachments', 'Attachments exceeded maximum allowed');
  const tooLarge = files.filter((file) => file.exceededBytes !== undefined);
  if (tooLarge.length > 0)
    throw new ValidationError(
      tooLarge.map((file) => ({
        path: ['attachments'],
        message: `Attachment ${file.fileName} is too large (maximum is ${humanSize(file.exceededBytes!)})`,
      })),
    );
  return files.map((file) => {
    const contentType = file.contentType.trim() || 'application/octet-stream';
    const fileType = fileTypeOf(contentType);
    const fileName = file.fileName.trim() || 'file';
    return {
      fileType,
      fileName,
      contentType,
      byteSize: file.data.byteLength,
      ...(fileType === 'image' ? pixelSizeOf(file.data) : { width: null, height: null }),
      extension: extensionOf(fileName),
      token: secureToken(),
      data: file.data,
    };
  });
}
