import type { FastifyReply } from 'fastify';
import type { Readable } from 'node:stream';

/** `attachment; filename="ascii"; filename*=UTF-8''…` (RFC 6266), never letting a name break the header. */
export function contentDisposition(filename: string | null, fallback: string): string {
  const name = (filename ?? fallback).replace(/[\r\n"\\]/g, '_');
  const ascii = name.replace(/[^\x20-\x7e]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * Streams a user's file as a download: its type (never sniffed), an RFC 6266 name (`fallback` when it has none),
 * its length when known, and no caching.
 */
export async function sendDownload(
  reply: FastifyReply,
  file: { contentType: string; filename: string | null; fallback: string; size?: number },
  stream: Readable,
): Promise<void> {
  reply
    .header('Content-Type', file.contentType.replace(/[\r\n]/g, '') || 'application/octet-stream')
    .header('Content-Disposition', contentDisposition(file.filename, file.fallback))
    .header('X-Content-Type-Options', 'nosniff')
    .header('Cache-Control', 'private, no-store');
  if (file.size !== undefined) {
    reply.header('Content-Length', String(file.size));
  }
  await reply.send(stream);
}
