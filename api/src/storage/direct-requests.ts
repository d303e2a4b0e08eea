import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { bareEtag, type CopyResult, type ObjectMetadata, type ObjectRange, SourceChangedError } from './object-storage';
import { escapeObjectKey, probeUrlTemplate, signerFor } from './view-url-signer';

/** Error for a request that the store rejected. */
export class S3RequestError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(`The store rejected ${operation} with status ${status}${code ? ` (${code})` : ''}.`);
    this.name = 'S3RequestError';
  }
}

/** SHA-256 of an empty body, the payload hash of every request here. */
const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** Maximum bytes of a response body kept to find an S3 error code. */
const MAX_ERROR_BODY_BYTES = 4096;

/**
 * The three object requests that confirm makes (a ranged GET, a server-side
 * copy and a delete), sent as plain HTTP requests that @smithy/signature-v4
 * signs. Through the SDK's command stack each of them cost 1.3 to 2.5 ms of
 * CPU on a 2-core VM, and 0.4 to 0.7 ms here. The endpoint, path style and
 * region come from a `getSignedUrl` probe of the same client, so the requests
 * go where the SDK would send them. Everything else stays with the SDK.
 */
export class DirectS3Requests {
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;

  private constructor(
    private readonly signer: SignatureV4,
    private readonly origin: URL,
    /** Escaped path before the key: `/<bucket>/` for path-style URLs, `/` for virtual-hosted ones. */
    private readonly pathPrefix: string,
    private readonly bucket: string,
    private readonly timeoutMs: number,
  ) {
    const secure = origin.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: 64, maxFreeSockets: 16 };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.transport = secure ? https : http;
  }

  /**
   * Creates the requests for `bucket` with the endpoint, region and
   * credentials of `client`. A request fails when it waits `timeoutMs` for a
   * response or for more of its body.
   */
  static async fromClient(client: S3Client, bucket: string, timeoutMs: number): Promise<DirectS3Requests> {
    const template = await probeUrlTemplate(client, bucket);
    return new DirectS3Requests(signerFor(client, template), new URL(template.origin), template.pathPrefix, bucket, timeoutMs);
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
    const response = await this.send('GET', key, { range: `bytes=${offset}-${offset + length - 1}` });
    const status = response.statusCode ?? 0;
    if (status === 206 || status === 200) {
      const size = status === 206 ? totalFromContentRange(response.headers['content-range']) : Number(response.headers['content-length']);
      if (size === undefined || !Number.isSafeInteger(size)) {
        response.destroy();
        throw new Error(`The store sent a ranged GET response (status ${status}) without the object size in Content-Range "${response.headers['content-range'] ?? ''}".`);
      }
      const etag = bareEtag(response.headers.etag);
      if (offset >= size) {
        // Nothing to read. The embedded server sends Content-Length 1 and no body for a ranged GET of an empty object, so do not wait for one.
        response.destroy();
        return { bytes: Buffer.alloc(0), size, etag };
      }
      // A store that ignores Range sends the whole object from byte 0.
      const bytes = await readAtMost(response, status === 206 ? length : offset + length);
      return { bytes: status === 200 ? bytes.subarray(offset, offset + length) : bytes, size, etag };
    }

    const body = (await readAtMost(response, MAX_ERROR_BODY_BYTES)).toString('utf8');
    const code = errorCode(body);
    if (status === 404 && (code === undefined || code === 'NoSuchKey')) return null;
    if (status === 416) {
      // The range starts at or past the end. S3 names the size in the error body; at offset 0 the object is empty.
      const size = totalFromContentRange(response.headers['content-range']) ?? Number(/<ActualObjectSize>(\d+)</.exec(body)?.[1] ?? NaN);
      const etag = bareEtag(response.headers.etag);
      if (Number.isSafeInteger(size)) return { bytes: Buffer.alloc(0), size, etag };
      if (offset === 0) return { bytes: Buffer.alloc(0), size: 0, etag };
    }
    throw new S3RequestError('a ranged GET', status, code);
  }

  /**
   * Copies `sourceKey` to `targetKey` inside the bucket, replacing its
   * metadata with `metadata`, and returns the copy's ETag. With `ifMatch` the
   * store copies only while the source has that ETag.
   */
  async copy(sourceKey: string, targetKey: string, metadata: ObjectMetadata, ifMatch?: string): Promise<CopyResult> {
    const headers: Record<string, string> = {
      'x-amz-copy-source': `/${this.bucket}/${escapeObjectKey(sourceKey)}`,
      'x-amz-metadata-directive': 'REPLACE',
      'content-type': metadata.contentType,
      'content-disposition': metadata.contentDisposition,
    };
    if (ifMatch) headers['x-amz-copy-source-if-match'] = `"${ifMatch}"`;
    const response = await this.send('PUT', targetKey, headers);
    const status = response.statusCode ?? 0;
    const body = (await readAtMost(response, MAX_ERROR_BODY_BYTES)).toString('utf8');
    if (status === 412) throw new SourceChangedError(sourceKey);
    // S3 can fail a copy after it sent 200, with an error document as the body.
    if (status !== 200 || body.includes('<Error>')) throw new S3RequestError('CopyObject', status, errorCode(body));
    return { etag: bareEtag(/<ETag>([^<]*)<\/ETag>/.exec(body)?.[1]) };
  }

  /** Deletes `key`; a missing key is not an error. */
  async delete(key: string): Promise<void> {
    const response = await this.send('DELETE', key, {});
    const status = response.statusCode ?? 0;
    const body = (await readAtMost(response, MAX_ERROR_BODY_BYTES)).toString('utf8');
    if (status === 204 || status === 200 || (status === 404 && errorCode(body) === 'NoSuchKey')) return;
    throw new S3RequestError('DeleteObject', status, errorCode(body));
  }

  destroy(): void {
    this.agent.destroy();
  }

  private async send(method: string, key: string, headers: Record<string, string>): Promise<IncomingMessage> {
    if (key.length === 0) throw new Error('The object key is empty. S3 object keys have at least one character.');
    const path = this.pathPrefix + escapeObjectKey(key);
    const signed = await this.signer.sign({
      method,
      protocol: this.origin.protocol,
      hostname: this.origin.hostname,
      port: this.origin.port ? Number(this.origin.port) : undefined,
      path,
      query: {},
      headers: { ...headers, host: this.origin.host, 'x-amz-content-sha256': EMPTY_BODY_SHA256 },
    });
    try {
      return await this.dispatch(method, path, signed.headers as OutgoingHttpHeaders);
    } catch (error) {
      // A store may close an idle keep-alive connection just as a request goes out on it. All
      // three requests are idempotent, so such a request is sent once more on a new connection.
      if (!(error instanceof ReusedSocketError)) throw error;
      return this.dispatch(method, path, signed.headers as OutgoingHttpHeaders);
    }
  }

  private dispatch(method: string, path: string, headers: OutgoingHttpHeaders): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const request = this.transport.request(
        {
          method,
          protocol: this.origin.protocol,
          hostname: this.origin.hostname,
          port: this.origin.port || undefined,
          path,
          headers,
          agent: this.agent,
        },
        (response) => {
          // The timeout covers the body too, which the callers read after this resolves.
          response.setTimeout(this.timeoutMs, () => response.destroy(new Error(`${method} ${path} sent no data for ${this.timeoutMs} ms.`)));
          resolve(response);
        },
      );
      request.setTimeout(this.timeoutMs, () => request.destroy(new Error(`${method} ${path} got no response within ${this.timeoutMs} ms.`)));
      request.once('error', (error: NodeJS.ErrnoException) => {
        const closedByStore = request.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
        reject(closedByStore ? new ReusedSocketError(error) : error);
      });
      request.end();
    });
  }
}

/** Error for a request whose reused keep-alive connection the store had already closed. */
class ReusedSocketError extends Error {
  constructor(cause: Error) {
    super(`The store closed a reused connection: ${cause.message}`);
    this.name = 'ReusedSocketError';
    this.cause = cause;
  }
}

/**
 * Reads `response` to its end, keeping at most `limit` bytes. A body longer
 * than that (a store that ignored Range) drops the connection instead of
 * draining it, and a body that ends within the limit leaves the connection
 * open for the next request.
 */
function readAtMost(response: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received > limit) {
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

/** Returns the `<Code>` of an S3 error document, or undefined. */
function errorCode(body: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
}

/** Returns the total of `bytes 0-99/1234` or `bytes *\/1234`, or undefined when the total is missing or `*`. */
function totalFromContentRange(header: string | undefined): number | undefined {
  const match = header ? /^bytes (?:\d+-\d+|\*)\/(\d+)$/.exec(header.trim()) : null;
  return match ? Number(match[1]) : undefined;
}
