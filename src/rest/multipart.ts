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
import { Busboy, type BusboyFileStream, type BusboyHeaders, type BusboyInstance } from '@fastify/busboy';
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

/** Reads one file stream: its bytes up to the limit, or nothing when `keep` is false (it is only counted). */
function receive(stream: BusboyFileStream, fileName: string, contentType: string, keep: boolean, maxFileBytes: number) {
  return new Promise<ReceivedFile>((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => {
      if (keep && !stream.truncated) chunks.push(chunk);
    });
    stream.on('error', reject);
    stream.on('end', () => {
      const exceeded = stream.truncated ? maxFileBytes : undefined;
      resolve(new ReceivedFile(fileName, contentType, exceeded || !keep ? Buffer.alloc(0) : Buffer.concat(chunks), exceeded));
    });
  });
}

const notMultipart = () => Object.assign(new Error('The request body is not valid multipart form data'), { statusCode: 400 });

/** The body of a multipart request: qs-parsed fields, with the uploaded files under `attachments`. */
function readMultipart(request: FastifyRequest, payload: NodeJS.ReadableStream, maxFileBytes: number) {
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    let busboy: BusboyInstance;
    try {
      busboy = new Busboy({
        headers: request.headers as BusboyHeaders,
        limits: { fileSize: maxFileBytes, fieldSize: 8 * 1024 * 1024, parts: 1000 },
      });
    } catch {
      return reject(notMultipart()); // no boundary
    }
    const fields = new URLSearchParams();
    const files: Promise<ReceivedFile>[] = [];
    busboy.on('field', (name: string, value: string) => fields.append(name, value));
    busboy.on('file', (name: string, stream: BusboyFileStream, fileName: string, _encoding: string, contentType: string) => {
      if (!ATTACHMENT_FIELDS.has(name)) return void stream.resume(); // another file field: nothing reads it
      files.push(receive(stream, fileName, contentType, files.length < MAX_ATTACHMENTS_PER_MESSAGE, maxFileBytes));
    });
    busboy.on('error', () => reject(notMultipart()));
    busboy.on('finish', () => {
      Promise.all(files).then((received) => {
        const body: Record<string, unknown> = qs.parse(fields.toString(), { depth: 5, arrayLimit: 1000 });
        if (received.length > 0) body.attachments = received;
        resolve(body);
      }, () => reject(notMultipart()));
    });
    payload.on('error', () => reject(notMultipart()));
    payload.pipe(busboy);
  });
}

/** The REST surfaces (Application, Client and Platform APIs); GraphQL reads its own request bodies. */
const REST_PATH = /^\/(?:public\/|platform\/)?api\//;

/**
 * Parses `multipart/form-data` bodies of the REST surfaces with busboy. A
 * content type parser only: a plugin with hooks on every request would cost
 * every other request too (the message hot path is mostly JSON).
 */
export function registerMultipart(app: FastifyInstance, options: { maxFileBytes: number }): void {
  app.addContentTypeParser('multipart/form-data', (request, payload, done) => {
    if (!REST_PATH.test(request.url)) return done(null, undefined);
    readMultipart(request, payload, options.maxFileBytes).then(
      (body) => done(null, body),
      (error: Error) => done(error, undefined),
    );
  });
}
