import { parentPort } from 'node:worker_threads';
import { parseMessage } from './mail-parse';

/** A parse thread of {@link MailParsePool}: `{ id, source }` in, `{ id, parsed }` or `{ id, error }` out. */
parentPort?.on('message', (request: { id: number; source: Uint8Array }) => {
  const source = Buffer.from(request.source.buffer, request.source.byteOffset, request.source.byteLength);
  parseMessage(source).then(
    (parsed) => parentPort?.postMessage({ id: request.id, parsed }),
    (error: unknown) => parentPort?.postMessage({ id: request.id, error: String((error as Error).message ?? error) }),
  );
});
