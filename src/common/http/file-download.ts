import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';

/** `attachment; filename="ascii"; filename*=UTF-8''…` (RFC 6266), never letting a name break the header. */
export function contentDisposition(filename: string | null, fallback: string): string {
  const name = (filename ?? fallback).replace(/[\r\n"\\]/g, '_');
  const ascii = name.replace(/[^\x20-\x7e]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Bytes read from the start of a file to recognise its type. */
const SNIFF_BYTES = 512;

const startsWith = (head: Buffer, signature: number[] | string, offset = 0): boolean => {
  const bytes = typeof signature === 'string' ? Buffer.from(signature, 'latin1') : signature;
  return head.length >= offset + bytes.length && bytes.every((byte, i) => head[offset + i] === byte);
};

/**
 * The safe types recognised by their first bytes: a type and the declared types that may stand for it (a WebM may be
 * audio or video). Nothing here can run script in a browser: no HTML, SVG, XML or JavaScript.
 */
const SIGNATURES: { matches: (head: Buffer) => boolean; type: string; declared?: readonly string[] }[] = [
  { matches: (h) => startsWith(h, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), type: 'image/png' },
  { matches: (h) => startsWith(h, [0xff, 0xd8, 0xff]), type: 'image/jpeg' },
  { matches: (h) => startsWith(h, 'GIF87a') || startsWith(h, 'GIF89a'), type: 'image/gif' },
  { matches: (h) => startsWith(h, 'RIFF') && startsWith(h, 'WEBP', 8), type: 'image/webp' },
  { matches: (h) => startsWith(h, '%PDF-'), type: 'application/pdf' },
  {
    matches: (h) => startsWith(h, [0x1a, 0x45, 0xdf, 0xa3]),
    type: 'video/webm',
    declared: ['audio/webm', 'video/webm', 'audio/x-matroska', 'video/x-matroska'],
  },
  { matches: (h) => startsWith(h, 'OggS'), type: 'audio/ogg', declared: ['audio/ogg', 'video/ogg'] },
  { matches: (h) => startsWith(h, 'ftyp', 4), type: 'video/mp4', declared: ['audio/mp4', 'video/mp4'] },
];

/** Declared text types served as such when the bytes are UTF-8 without NUL (with `nosniff`, never run as HTML). */
const TEXT_TYPES: readonly string[] = ['text/plain', 'text/csv'];

function isUtf8Text(head: Buffer): boolean {
  if (head.includes(0)) {
    return false;
  }
  try {
    // `stream: true` tolerates a character cut at the end of the sample.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * The `Content-Type` to serve a stored file with: a type recognised from its first bytes when it is on the safe list
 * (images, PDF, audio/video containers; the declared type when it names the same container), declared plain text or
 * CSV that is UTF-8, else `application/octet-stream`. What the uploader or a mail's sender declared is never trusted.
 */
export function servedContentType(declared: string, head: Buffer): string {
  const essence = declared.split(';')[0].trim().toLowerCase();
  const known = SIGNATURES.find((signature) => signature.matches(head));
  if (known) {
    return known.declared?.includes(essence) ? essence : known.type;
  }
  if (TEXT_TYPES.includes(essence) && isUtf8Text(head)) {
    return `${essence}; charset=utf-8`;
  }
  return 'application/octet-stream';
}

/** Reads the first `size` bytes of a stream and returns them with a stream of the whole content, head included. */
async function peek(stream: Readable, size: number): Promise<{ head: Buffer; whole: Readable }> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const chunks: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < size) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    chunks.push(chunk);
    length += chunk.length;
  }
  const head = Buffer.concat(chunks);
  async function* whole(): AsyncGenerator<Buffer> {
    try {
      if (head.length > 0) {
        yield head;
      }
      while (!ended) {
        const next = await iterator.next();
        if (next.done) {
          return;
        }
        yield Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
      }
    } finally {
      // The client went away early: release the source.
      await iterator.return?.();
    }
  }
  return { head: head.subarray(0, size), whole: Readable.from(whole(), { objectMode: false }) };
}

/**
 * Streams a user's file as a download: a type recognised from its first bytes (`servedContentType`: the declared type
 * is never trusted, unsafe or unknown content is `application/octet-stream`), `nosniff`, always as an RFC 6266
 * attachment (`fallback` names it when it has no name), its length when known, and no caching.
 */
export async function sendDownload(
  reply: FastifyReply,
  file: { contentType: string; filename: string | null; fallback: string; size?: number },
  stream: Readable,
): Promise<void> {
  const { head, whole } = await peek(stream, SNIFF_BYTES);
  reply
    .header('Content-Type', servedContentType(file.contentType, head))
    .header('Content-Disposition', contentDisposition(file.filename, file.fallback))
    .header('X-Content-Type-Options', 'nosniff')
    .header('Cache-Control', 'private, no-store');
  if (file.size !== undefined) {
    reply.header('Content-Length', String(file.size));
  }
  await reply.send(whole);
}
