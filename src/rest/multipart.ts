/**
 * Multipart bodies (`multipart/form-data`, spec/API.md §1.1): the form fields
 * merge into the parameters exactly as a urlencoded body's do (Rails-style
 * names through qs: `message[content]`, `labels[]`), and the files sent as
 * `attachments[]` (or `attachments`) become `params.attachments`, a list of
 * `UploadedFile`s that routes hand to the services with `uploadedFiles`.
 *
 * Limits are not enforced here but reported: a file larger than the size
 * limit is read no further and marked (`exceededBytes`), files beyond the
 * 15 a message may carry are counted but not kept, so that the service
 * answers with the route's own 422 and nothing is written.
 */
import multipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import qs from 'qs';
import { MAX_ATTACHMENTS_PER_MESSAGE, type UploadedFile } from '../domain/attachments/uploads.ts';

/** The field names that carry a message's files. */
const ATTACHMENT_FIELDS = new Set(['attachments[]', 'attachments']);

/** A file read from a multipart body; only this class counts as an upload (a JSON body cannot forge one). */
class ReceivedFile implements UploadedFile {
  constructor(
    readonly fileName: string,
    readonly contentType: string,
    readonly data: Buffer,
    readonly exceededBytes?: number,
  ) {}
}

/** The uploaded files in a parameter (`params.attachments`); undefined when none were uploaded. */
export function uploadedFiles(value: unknown): UploadedFile[] | undefined {
  const files = (Array.isArray(value) ? value : [value]).filter((item): item is ReceivedFile => item instanceof ReceivedFile);
  return files.length > 0 ? files : undefined;
}

/** Reads one file part: its bytes up to the limit, or nothing when `keep` is false (it is only counted). */
async function receive(part: MultipartFile, keep: boolean, maxFileBytes: number): Promise<ReceivedFile> {
  const chunks: Buffer[] = [];
  for await (const chunk of part.file) if (keep && !part.file.truncated) chunks.push(chunk as Buffer);
  const exceeded = part.file.truncated ? maxFileBytes : undefined;
  return new ReceivedFile(part.filename, part.mimetype, exceeded || !keep ? Buffer.alloc(0) : Buffer.concat(chunks), exceeded);
}

/** The body of a multipart request: qs-parsed fields, with the uploaded files under `attachments`. */
async function readMultipart(request: FastifyRequest, maxFileBytes: number): Promise<Record<string, unknown>> {
  const fields = new URLSearchParams();
  const files: ReceivedFile[] = [];
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') fields.append(part.fieldname, typeof part.value === 'string' ? part.value : JSON.stringify(part.value));
      else if (ATTACHMENT_FIELDS.has(part.fieldname))
        files.push(await receive(part, files.length < MAX_ATTACHMENTS_PER_MESSAGE, maxFileBytes));
      else for await (const _ of part.file); // another file field: nothing reads it
    }
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status < 500) throw error;
    throw Object.assign(new Error('The request body is not valid multipart form data'), { statusCode: 400 });
  }
  const body: Record<string, unknown> = qs.parse(fields.toString(), { depth: 5, arrayLimit: 1000 });
  if (files.length > 0) body.attachments = files;
  return body;
}

/** The REST surfaces (Application, Client and Platform APIs); GraphQL reads its own request bodies. */
const REST_PATH = /^\/(?:public\/|platform\/)?api\//;

/**
 * Registers the multipart parser on `app` (after its other content type
 * parsers) and fills `request.body` of multipart REST requests before
 * validation.
 */
export async function registerMultipart(app: FastifyInstance, options: { maxFileBytes: number }): Promise<void> {
  await app.register(multipart, {
    throwFileSizeLimit: false,
    limits: { fileSize: options.maxFileBytes, fieldSize: 8 * 1024 * 1024, parts: 1000 },
  });
  // A callback hook: every request passes here, and most are not multipart (an async hook costs each one a promise).
  app.addHook('preValidation', (request, _reply, done) => {
    if (!(request.isMultipart() && REST_PATH.test(request.url))) return done();
    readMultipart(request, options.maxFileBytes).then((body) => {
      request.body = body;
      done();
    }, done);
  });
}
