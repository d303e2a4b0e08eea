import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { ObjectRange } from './object-storage';
import type { ViewUrlSigner } from './view-url-signer';

/** Error for a ranged GET that the store rejected with a status other than "not found". */
export class RangeReadError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(`The store answered a ranged GET with status ${status}${code ? ` (${code})` : ''}.`);
    this.name = 'RangeReadError';
  }
}

/** Seconds a read URL stays valid; one signing window serves every read in a minute. */
const READ_URL_WINDOW_SECONDS = 60;
/** Maximum bytes of an error response kept to find the S3 error code. */
const MAX_ERROR_BODY_BYTES = 4096;

/**
 * Reads byte ranges of objects with plain HTTP GETs on presigned URLs. Each
 * read is one request, and the size of the whole object comes with it in
 * Content-Range, so confirm needs no separate HEAD. Through the SDK's command
 * stack a ranged GetObject cost about 1.3 ms of CPU on a 2-core VM, and this
 * request about 0.3 ms. The URLs come from {@link ViewUrlSigner}, which is
 * tested byte for byte against the SDK's own.
 */
export class RangeReader {
  private readonly agent: http.Agent;

  constructor(
    private readonly signer: ViewUrlSigner,
    secure: boolean,
  ) {
    const agentOptions = { keepAlive: true, maxSockets: 64, maxFreeSockets: 16 };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  /**
   * Reads at most `length` bytes of `key` from `offset`. Resolves null when
   * the object does not exist. An offset at or past the end gives no bytes and
   * the size when the store reports it (S3 responds with 416 and names the size).
   */
  async read(key: string, offset: number, length: number): Promise<ObjectRange | null> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 1) {
      throw new RangeError(`Cannot read ${length} bytes from offset ${offset}; both must be whole numbers, the length at least 1.`);
    }
    const windowMs = READ_URL_WINDOW_SECONDS * 1000;
    const signingDate = new Date(Math.floor(Date.now() / windowMs) * windowMs);
    // Valid for two windows, so a URL signed at the end of its window still works when it arrives.
    const url = await this.signer.sign(key, signingDate, 2 * READ_URL_WINDOW_SECONDS);
    const response = await this.get(url, `bytes=${offset}-${offset + length - 1}`);

    const status = response.statusCode ?? 0;
    if (status === 206 || status === 200) {
      const size = status === 206 ? totalFromContentRange(response.headers['content-range']) : Number(response.headers['content-length']);
      if (size === undefined || !Number.isSafeInteger(size)) {
        response.destroy();
        throw new RangeReadError(status, `no object size in Content-Range "${response.headers['content-range'] ?? ''}"`);
      }
      if (offset >= size) {
        // Nothing to read. The embedded server responds to a ranged GET of an empty object with a Content-Length of 1 and no body, so do not wait for one.
        response.destroy();
        return { bytes: Buffer.alloc(0), size };
      }
      // A store that ignores Range sends the whole object from byte 0.
      const bytes = await readAtMost(response, status === 206 ? length : offset + length);
      return { bytes: status === 200 ? bytes.subarray(offset, offset + length) : bytes, size };
    }

    const body = (await readAtMost(response, MAX_ERROR_BODY_BYTES)).toString('utf8');
    const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
    if (status === 404 && (code === undefined || code === 'NoSuchKey')) return null;
    if (status === 416) {
      // The range starts at or past the end. S3 names the size in the error body; at offset 0 the object is empty.
      const size = totalFromContentRange(response.headers['content-range']) ?? Number(/<ActualObjectSize>(\d+)</.exec(body)?.[1] ?? NaN);
      if (Number.isSafeInteger(size)) return { bytes: Buffer.alloc(0), size };
      if (offset === 0) return { bytes: Buffer.alloc(0), size: 0 };
    }
    throw new RangeReadError(status, code);
  }

  destroy(): void {
    this.agent.destroy();
  }

  private get(url: string, range: string): Promise<IncomingMessage> {
    const transport = url.startsWith('https:') ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.get(url, { agent: this.agent, headers: { range } }, resolve);
      request.once('error', reject);
    });
  }
}

/** Reads `response` until it ends or `limit` bytes arrived; past the limit the connection is dropped, not drained. */
function readAtMost(response: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received >= limit) {
        response.off('data', onData);
        response.destroy();
        resolve(Buffer.concat(chunks).subarray(0, limit));
      }
    };
    response.on('data', onData);
    response.once('end', () => resolve(Buffer.concat(chunks)));
    response.on('error', reject);
  });
}

/** Returns the total of `bytes 0-99/1234` or `bytes *\/1234`, or undefined when the total is missing or `*`. */
function totalFromContentRange(header: string | undefined): number | undefined {
  const match = header ? /^bytes (?:\d+-\d+|\*)\/(\d+)$/.exec(header.trim()) : null;
  return match ? Number(match[1]) : undefined;
}
