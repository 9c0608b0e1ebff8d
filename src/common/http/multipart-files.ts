import type { FastifyRequest } from 'fastify';
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** One `file` part written to storage. */
export interface StoredFile {
  id: string;
  path: string;
  filename: string;
  contentType: string;
  size: number;
  /** Hex SHA-256 of the bytes, computed while they streamed to disk. */
  sha256: string;
}

export interface MultipartFileLimits {
  /** Largest single file. */
  maxBytes: number;
  /** Files per request. */
  maxFiles: number;
  /** Form fields accepted beside the files (each ≤ 1000 bytes); none by default. */
  fields?: ReadonlySet<string>;
}

export type MultipartFileProblem =
  'not_multipart' | 'malformed' | 'unexpected_part' | 'no_file' | 'too_large' | 'too_many_files';

/** Why a multipart upload was refused; each module maps it to its own error code. */
export class MultipartFileError extends Error {
  constructor(
    readonly problem: MultipartFileProblem,
    message: string,
    readonly details: { field: string; filename?: string; limit?: number },
  ) {
    super(message);
    this.name = 'MultipartFileError';
  }
}

/**
 * Streams every `file` part of a multipart request to `pathFor(id)` (never buffering a whole file), measuring size
 * and SHA-256 on the way, and collects the accepted form fields. Any other part, a file over `maxBytes` or more than
 * `maxFiles` files refuses the whole request and removes what was already written, so a refused upload leaves
 * nothing behind. A request without files is the caller's to judge.
 */
export async function receiveMultipart(
  request: FastifyRequest,
  limits: MultipartFileLimits,
  pathFor: (id: string) => string,
): Promise<{ files: StoredFile[]; fields: Record<string, string> }> {
  if (!request.isMultipart()) {
    throw new MultipartFileError('not_multipart', 'Send multipart/form-data with one or more "file" parts', {
      field: 'file',
    });
  }
  const accepted = limits.fields ?? new Set<string>();
  const files: StoredFile[] = [];
  const fields: Record<string, string> = {};
  const written: string[] = [];
  try {
    const parts = request.parts({
      limits: { fileSize: limits.maxBytes, files: limits.maxFiles, fields: accepted.size, fieldSize: 1000, parts: 100 },
    });
    for await (const part of parts) {
      if (part.type !== 'file') {
        if (!accepted.has(part.fieldname)) {
          throw new MultipartFileError(
            'unexpected_part',
            `Unexpected field "${part.fieldname}" (accepted: file, ${[...accepted].join(', ')})`,
            { field: part.fieldname },
          );
        }
        fields[part.fieldname] = String(part.value);
        continue;
      }
      if (part.fieldname !== 'file') {
        part.file.resume();
        throw new MultipartFileError('unexpected_part', `Unexpected part "${part.fieldname}": files go in "file"`, {
          field: part.fieldname,
        });
      }
      const id = randomUUID();
      const path = pathFor(id);
      await mkdir(dirname(path), { recursive: true });
      written.push(path);
      const hash = createHash('sha256');
      let size = 0;
      const measure = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          size += chunk.length;
          callback(null, chunk);
        },
      });
      await pipeline(part.file, measure, createWriteStream(path));
      if (part.file.truncated) {
        throw tooLarge(limits, part.filename);
      }
      files.push({
        id,
        path,
        filename: (part.filename || 'attachment').slice(0, 255),
        contentType: (part.mimetype || 'application/octet-stream').slice(0, 255),
        size,
        sha256: hash.digest('hex'),
      });
    }
  } catch (error) {
    await Promise.all(written.map((path) => rm(path, { force: true })));
    throw translate(error, limits);
  }
  return { files, fields };
}

/** `receiveMultipart` for uploads of files only: at least one `file` part, no fields. */
export async function storeMultipartFiles(
  request: FastifyRequest,
  limits: MultipartFileLimits,
  pathFor: (id: string) => string,
): Promise<StoredFile[]> {
  const { files } = await receiveMultipart(request, limits, pathFor);
  if (files.length === 0) {
    throw new MultipartFileError('no_file', 'No file: send one or more "file" parts', { field: 'file' });
  }
  return files;
}

/** Removes stored files again (the database write that should reference them failed). */
export async function discardStoredFiles(files: StoredFile[]): Promise<void> {
  await Promise.all(files.map((f) => rm(f.path, { force: true })));
}

function tooLarge(limits: MultipartFileLimits, filename?: string): MultipartFileError {
  return new MultipartFileError('too_large', `A file is larger than ${limits.maxBytes} bytes`, {
    field: 'file',
    filename,
    limit: limits.maxBytes,
  });
}

function translate(error: unknown, limits: MultipartFileLimits): unknown {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return tooLarge(limits);
    case 'FST_FILES_LIMIT':
      return new MultipartFileError('too_many_files', `At most ${limits.maxFiles} files per upload`, {
        field: 'file',
        limit: limits.maxFiles,
      });
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
    case 'FST_PROTO_VIOLATION':
      return new MultipartFileError('unexpected_part', `Only "file" parts are accepted (${code})`, { field: 'file' });
    default:
      return isMalformedBody(error)
        ? new MultipartFileError('malformed', 'The multipart body is malformed or truncated', { field: 'file' })
        : error;
  }
}

/**
 * Busboy's refusals of the body itself (no boundary in the Content-Type, a truncated body, a bad part header) are the
 * client's; errors of our own writes (`syscall` set) and programming errors stay server errors.
 */
function isMalformedBody(error: unknown): boolean {
  return (
    error instanceof Error &&
    !(error instanceof MultipartFileError) &&
    !(error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError) &&
    (error as { syscall?: unknown }).syscall === undefined
  );
}
