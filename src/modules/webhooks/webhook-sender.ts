import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { AddressPolicy, PUBLIC_AND_PRIVATE, PUBLIC_ONLY } from 'src/common/net/address-policy';

const EXCERPT_BYTES = 1024;

export interface SendResult {
  succeeded: boolean;
  status?: number;
  latencyMs: number;
  excerpt?: string;
  error?: string;
}

/** Where webhooks may go: public addresses; with WEBHOOK_ALLOW_PRIVATE_TARGETS private and loopback ones too. */
export function webhookTargetPolicy(allowPrivateTargets: boolean): AddressPolicy {
  return allowPrivateTargets ? PUBLIC_AND_PRIVATE : PUBLIC_ONLY;
}

/** POSTs a signed webhook body; success is a 2xx within `timeoutMs`. Never throws: failures are results. */
export async function sendWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; allowPrivateTargets: boolean },
): Promise<SendResult> {
  const started = process.hrtime.bigint();
  const elapsed = (): number => Number((process.hrtime.bigint() - started) / 1_000_000n);
  const target = new URL(url);
  const policy = webhookTargetPolicy(options.allowPrivateTargets);
  const literal = target.hostname.replace(/^\[|\]$/g, '');
  if (isIP(literal) !== 0 && policy.refusal(literal) !== undefined) {
    return { succeeded: false, latencyMs: 0, error: `${target.hostname} is a private address` };
  }
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendResult>((resolve) => {
    const req = request(
      target,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'Switchboard-Webhooks/1.0',
        },
        // The policy checks the address the socket actually connects to: no gap for DNS rebinding.
        lookup: policy.lookup,
        timeout: options.timeoutMs,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < EXCERPT_BYTES) {
            chunks.push(chunk);
            size += chunk.length;
          }
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          resolve({
            succeeded: status >= 200 && status < 300,
            status,
            latencyMs: elapsed(),
            excerpt: Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8'),
          });
        });
        res.on('error', (error) =>
          resolve({ succeeded: false, status: res.statusCode, latencyMs: elapsed(), error: error.message }),
        );
      },
    );
    const deadline = setTimeout(
      () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', (error) => resolve({ succeeded: false, latencyMs: elapsed(), error: error.message.slice(0, 500) }));
    req.on('close', () => clearTimeout(deadline));
    req.end(body);
  });
}
