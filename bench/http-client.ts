/**
 * The bench's HTTP client: node:http with keep-alive connections. It runs on the same thread as the server it
 * measures, so it should cost that thread little: `fetch` (undici) costs ~3× more CPU per request than this
 * (measured with `bench/start-step.ts`, lines `start` and `fetch`; see docs/benchmarks.md), CPU the server's
 * steps would otherwise have had.
 */
import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface JsonResponse {
  status: number;
  text: string;
}

/** POSTs `body` as JSON (nothing when undefined) and reads the whole response. */
export function postJson(url: string, body?: unknown): Promise<JsonResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(url, {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        ...(payload ? { 'content-length': payload.length } : {}),
      },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.end(payload);
  });
}

/** Closes the kept-alive connections. */
export function closeClient(): void {
  agent.destroy();
}
