/**
 * Small real files for attachment tests, and multipart requests with Node's
 * own FormData and Blob.
 */
import { crc32, deflateSync } from 'node:zlib';

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A valid RGB PNG of `width` × `height` pixels (a gradient, so that two sizes differ in bytes). */
export function pngImage(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // colour type: RGB
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3); // filter byte 0, then pixels
    for (let x = 0; x < width; x++) row.set([x * 40, y * 40, 200], 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.concat(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export interface FilePart {
  name?: string;
  fileName: string;
  contentType: string;
  data: Buffer;
}

/** A multipart form: fields in order, then the files (under `attachments[]` unless named). */
export function multipartForm(fields: Record<string, string>, files: FilePart[] = []): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const file of files) form.append(file.name ?? 'attachments[]', new Blob([new Uint8Array(file.data)], { type: file.contentType }), file.fileName);
  return form;
}

/** POSTs a multipart form with an access token; the status and the parsed (or raw) body. */
export async function postMultipart(url: string, token: string | null, form: FormData) {
  const response = await fetch(url, { method: 'POST', headers: token ? { api_access_token: token } : {}, body: form });
  const text = await response.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: response.status, body };
}

/** Downloads a URL: status, headers and bytes. */
export async function download(url: string) {
  const response = await fetch(url);
  return { status: response.status, headers: response.headers, data: Buffer.from(await response.arrayBuffer()) };
}
