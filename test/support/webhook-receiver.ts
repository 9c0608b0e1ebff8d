import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** The status to answer on `path` for the n-th request (1-based) carrying a given webhook-id. */
  respond(path: string, status: (nth: number) => number): void;
  close(): Promise<void>;
}

/** A real HTTP server on loopback that records every request and answers with programmable statuses. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const plans = new Map<string, (nth: number) => number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const entry = { path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      received.push(entry);
      const nth = received.filter(
        (r) => r.path === path && r.headers['webhook-id'] === req.headers['webhook-id'],
      ).length;
      const status = (plans.get(path) ?? (() => 200))(nth);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 300 ? `boom ${nth}` : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    respond: (path, status) => plans.set(path, status),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
