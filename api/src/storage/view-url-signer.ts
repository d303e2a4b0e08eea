import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { GetObjectCommand, type GetObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  ALGORITHM_IDENTIFIER,
  AMZ_DATE_QUERY_PARAM,
  CREDENTIAL_QUERY_PARAM,
  EXPIRES_QUERY_PARAM,
  KEY_TYPE_IDENTIFIER,
  MAX_PRESIGNED_TTL,
  SIGNATURE_QUERY_PARAM,
  SIGNED_HEADERS_QUERY_PARAM,
  TOKEN_QUERY_PARAM,
  createScope,
  getCanonicalQuery,
  getSigningKey,
  SignatureV4,
} from '@smithy/signature-v4';

/**
 * Signer of presigned GET URLs for many object keys that share a signing
 * date, an expiry and a set of response overrides. Its URLs are
 * byte-identical to what `getSignedUrl` from @aws-sdk/s3-request-presigner
 * returns for the same input.
 *
 * `getSignedUrl` runs the whole command middleware stack for every URL, which
 * costs about 100 times the SigV4 arithmetic (bench/view-url-signing.bench.ts)
 * and @smithy/signature-v4's `presign` about 10 times. Here everything except
 * the key is fixed per signing window. The URL shape (endpoint, path prefix,
 * signed headers, response overrides) comes once from a `getSignedUrl` probe,
 * the canonical query and credential scope from @smithy/signature-v4, and the
 * signing key from its cached `getSigningKey`. Per key, only the path is
 * escaped, the canonical request hashed and the string to sign put through
 * HMAC-SHA256.
 */
export class ViewUrlSigner {
  private readonly windows = new Map<string, Promise<SigningWindow>>();
  /** The window the last call used; most calls in a window reuse it without a map lookup or an await. */
  private current: SigningWindow | undefined;

  constructor(
    private readonly template: ViewUrlTemplate,
    private readonly credentials: CredentialsProvider,
  ) {}

  /**
   * Creates a signer for GETs of `input` (bucket and response overrides, no
   * key) through `client`, and checks one of its URLs against `getSignedUrl`.
   *
   * @throws ViewUrlSignerMismatchError when the SDK builds URLs this signer
   *   cannot repeat, such as ones that sign headers other than `host`.
   */
  static async fromClient(client: S3Client, input: Omit<GetObjectCommandInput, 'Key'>): Promise<ViewUrlSigner> {
    const probeUrl = await getSignedUrl(client, new GetObjectCommand({ ...input, Key: PROBE_KEY }), {
      signingDate: PROBE_DATE,
      expiresIn: PROBE_EXPIRES_IN_SECONDS,
    });
    const signer = new ViewUrlSigner(parseProbeUrl(probeUrl), () => client.config.credentials());

    const repeated = await signer.sign(PROBE_KEY, PROBE_DATE, PROBE_EXPIRES_IN_SECONDS);
    if (repeated !== probeUrl) {
      throw new ViewUrlSignerMismatchError('the probe URL signed again differs from the one getSignedUrl returned');
    }
    return signer;
  }

  /**
   * Signs a GET of `key` valid for `expiresInSeconds` from `signingDate`. The
   * first call for a date and expiry awaits the credentials and derives that
   * window's signing key. Later calls for the same window compute the URL
   * synchronously.
   */
  async sign(key: string, signingDate: Date, expiresInSeconds: number): Promise<string> {
    const window = this.current;
    if (window && window.signingTime === signingDate.getTime() && window.expiresInSeconds === expiresInSeconds) {
      return this.signWith(window, key);
    }
    const opened = await this.window(signingDate, expiresInSeconds);
    this.current = opened;
    return this.signWith(opened, key);
  }

  private signWith(window: SigningWindow, key: string): string {
    if (key.length === 0) throw new Error('The object key is empty. S3 object keys have at least one character.');
    const path = window.pathPrefix + escapeObjectKey(key);
    const canonicalRequestHash = createHash('sha256')
      .update(window.canonicalRequestHead + path + window.canonicalRequestTail)
      .digest('hex');
    const signature = createHmac('sha256', window.signingKey)
      .update(window.stringToSignHead + canonicalRequestHash)
      .digest('hex');
    return window.origin + path + window.queryBeforeSignature + signature + window.queryAfterSignature;
  }

  private window(signingDate: Date, expiresInSeconds: number): Promise<SigningWindow> {
    const id = `${signingDate.getTime()}:${expiresInSeconds}`;
    let window = this.windows.get(id);
    if (!window) {
      window = this.openWindow(signingDate, expiresInSeconds);
      window.catch(() => {
        if (this.windows.get(id) === window) this.windows.delete(id);
      });
      // Calls near a window boundary may still ask for the previous window, so keep a few.
      if (this.windows.size >= MAX_OPEN_WINDOWS) this.windows.delete(this.windows.keys().next().value!);
      this.windows.set(id, window);
    }
    return window;
  }

  private async openWindow(signingDate: Date, expiresInSeconds: number): Promise<SigningWindow> {
    const signingTime = signingDate.getTime();
    if (!Number.isFinite(signingTime)) throw new RangeError('The signing date is not a valid date.');
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_PRESIGNED_TTL) {
      throw new RangeError(`expiresInSeconds=${expiresInSeconds} is out of range. SigV4 presigned URLs live 1 to ${MAX_PRESIGNED_TTL} seconds.`);
    }

    const { template } = this;
    const credentials = await this.credentials();
    const longDate = signingDate.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
    const shortDate = longDate.slice(0, 8);
    const scope = createScope(shortDate, template.region, template.service);

    const query: Record<string, string> = {
      ...template.fixedQuery,
      [CREDENTIAL_QUERY_PARAM]: `${credentials.accessKeyId}/${scope}`,
      [AMZ_DATE_QUERY_PARAM]: longDate,
      [EXPIRES_QUERY_PARAM]: String(expiresInSeconds),
    };
    if (credentials.sessionToken) query[TOKEN_QUERY_PARAM] = credentials.sessionToken;

    const canonicalQuery = getCanonicalQuery({ query } as unknown as Parameters<typeof getCanonicalQuery>[0]);
    const urlQuery = formatQuery({ ...query, [SIGNATURE_QUERY_PARAM]: SIGNATURE_PLACEHOLDER });
    const [queryBefore, queryAfter] = urlQuery.split(SIGNATURE_PLACEHOLDER);
    const signingKey = await getSigningKey(NodeSha256, credentials, shortDate, template.region, template.service);

    return {
      signingTime,
      expiresInSeconds,
      origin: template.origin,
      pathPrefix: template.pathPrefix,
      canonicalRequestHead: 'GET\n',
      canonicalRequestTail: `\n${canonicalQuery}\nhost:${template.host}\n\nhost\n${template.payloadHash}`,
      stringToSignHead: `${ALGORITHM_IDENTIFIER}\n${longDate}\n${scope}\n`,
      signingKey: Buffer.from(signingKey),
      queryBeforeSignature: `?${queryBefore}`,
      queryAfterSignature: queryAfter,
    };
  }
}

/** The parts of a view URL that do not depend on the key, the signing date or the credentials. */
export interface ViewUrlTemplate {
  /** Scheme and authority exactly as the SDK prints them, such as `http://localhost:4569`. */
  origin: string;
  /** Value of the signed `host` header: the authority of `origin`. */
  host: string;
  /** Escaped path before the key: `/<bucket>/` for path-style URLs, `/` for virtual-hosted ones. */
  pathPrefix: string;
  region: string;
  service: string;
  /** The signed payload hash, `UNSIGNED-PAYLOAD` for presigned S3 GETs. */
  payloadHash: string;
  /** Query parameters that every URL carries unchanged: algorithm, payload hash, signed headers, `response-*` overrides, `x-id`. */
  fixedQuery: Readonly<Record<string, string>>;
}

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type CredentialsProvider = () => Promise<SigningCredentials>;

/** Thrown when the SDK's URLs have a shape that {@link ViewUrlSigner} cannot reproduce byte for byte. */
export class ViewUrlSignerMismatchError extends Error {
  constructor(reason: string) {
    super(`The fast view URL signer cannot reproduce getSignedUrl: ${reason}.`);
    this.name = 'ViewUrlSignerMismatchError';
  }
}

/** Everything that is fixed for one signing date and expiry. */
interface SigningWindow {
  signingTime: number;
  expiresInSeconds: number;
  origin: string;
  pathPrefix: string;
  canonicalRequestHead: string;
  canonicalRequestTail: string;
  stringToSignHead: string;
  signingKey: Buffer;
  queryBeforeSignature: string;
  queryAfterSignature: string;
}

const MAX_OPEN_WINDOWS = 4;

/** A key that needs no escaping, so the probe URL shows the path prefix and the key as they are. */
const PROBE_KEY = 'sidestep-view-url-signer-probe';
const PROBE_DATE = new Date(Date.UTC(2024, 0, 1));
const PROBE_EXPIRES_IN_SECONDS = 60;
const SIGNATURE_PLACEHOLDER = '0'.repeat(64);

/** Parameters that each signature sets anew; every other probe parameter repeats in every URL. */
const PER_SIGNATURE_PARAMS = new Set([
  CREDENTIAL_QUERY_PARAM,
  AMZ_DATE_QUERY_PARAM,
  EXPIRES_QUERY_PARAM,
  SIGNATURE_QUERY_PARAM,
  TOKEN_QUERY_PARAM,
]);
const PAYLOAD_HASH_QUERY_PARAM = 'X-Amz-Content-Sha256';

/**
 * Returns the shape of GET URLs for `bucket` through `client` (endpoint, path
 * style, region), read from one `getSignedUrl` probe.
 */
export async function probeUrlTemplate(client: S3Client, bucket: string): Promise<ViewUrlTemplate> {
  const probeUrl = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: PROBE_KEY }), {
    signingDate: PROBE_DATE,
    expiresIn: PROBE_EXPIRES_IN_SECONDS,
  });
  return parseProbeUrl(probeUrl);
}

/**
 * Creates an @smithy/signature-v4 signer with the credentials and hash of
 * `client` and the region and service of `template`. It leaves the path as
 * given, because callers escape object keys themselves, and adds no checksum.
 */
export function signerFor(client: S3Client, template: ViewUrlTemplate): SignatureV4 {
  return new SignatureV4({
    credentials: client.config.credentials,
    region: template.region,
    service: template.service,
    sha256: client.config.sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
}

/** Reads the URL shape from a `getSignedUrl` GET of {@link PROBE_KEY}. */
export function parseProbeUrl(url: string): ViewUrlTemplate {
  const queryStart = url.indexOf('?');
  const schemeEnd = url.indexOf('://');
  if (queryStart === -1 || schemeEnd === -1) throw new ViewUrlSignerMismatchError('the probe URL has no scheme or no query');
  const authorityEnd = url.indexOf('/', schemeEnd + 3);
  if (authorityEnd === -1 || authorityEnd > queryStart) throw new ViewUrlSignerMismatchError('the probe URL has no path');

  const host = url.slice(schemeEnd + 3, authorityEnd);
  if (host.includes('@')) throw new ViewUrlSignerMismatchError('the probe URL carries user information');
  const path = url.slice(authorityEnd, queryStart);
  if (!path.endsWith(`/${PROBE_KEY}`)) throw new ViewUrlSignerMismatchError(`the probe URL path "${path}" does not end with the probe key`);

  const query: Record<string, string> = {};
  for (const pair of url.slice(queryStart + 1).split('&')) {
    const separator = pair.indexOf('=');
    if (separator === -1) throw new ViewUrlSignerMismatchError(`the probe URL has a query parameter without a value: "${pair}"`);
    query[decodeURIComponent(pair.slice(0, separator))] = decodeURIComponent(pair.slice(separator + 1));
  }
  if (query[SIGNED_HEADERS_QUERY_PARAM] !== 'host') {
    throw new ViewUrlSignerMismatchError(`the SDK signs the headers "${query[SIGNED_HEADERS_QUERY_PARAM]}", not only "host"`);
  }
  const payloadHash = query[PAYLOAD_HASH_QUERY_PARAM];
  if (!payloadHash) throw new ViewUrlSignerMismatchError(`the probe URL has no ${PAYLOAD_HASH_QUERY_PARAM}`);

  // The credential is "<access key id>/<date>/<region>/<service>/aws4_request".
  const scope = (query[CREDENTIAL_QUERY_PARAM] ?? '').split('/');
  if (scope.length < 5 || scope[scope.length - 1] !== KEY_TYPE_IDENTIFIER) {
    throw new ViewUrlSignerMismatchError(`the probe credential "${query[CREDENTIAL_QUERY_PARAM]}" is not a SigV4 credential scope`);
  }

  const fixedQuery: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) {
    if (!PER_SIGNATURE_PARAMS.has(name)) fixedQuery[name] = value;
  }
  return {
    origin: url.slice(0, authorityEnd),
    host,
    pathPrefix: path.slice(0, path.length - PROBE_KEY.length),
    region: scope[scope.length - 3],
    service: scope[scope.length - 2],
    payloadHash,
    fixedQuery,
  };
}

/** Characters that URI encoding keeps as they are in an S3 key path. A key made of these alone needs no escaping. */
const PLAIN_KEY = /^[A-Za-z0-9\-._~/]*$/;

/**
 * Escapes an object key for the URL path the way the S3 client serializes its
 * greedy `{Key+}` label: every segment between slashes percent-encoded as
 * RFC 3986 requires, slashes kept, `.` and `..` segments kept as they are.
 */
export function escapeObjectKey(key: string): string {
  if (PLAIN_KEY.test(key)) return key;
  return key.split('/').map(escapeUriComponent).join('/');
}

/** encodeURIComponent plus the five characters RFC 3986 reserves but it leaves alone. */
function escapeUriComponent(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Formats a query string as the SDK prints presigned URLs: names sorted, names and values escaped. */
export function formatQuery(query: Readonly<Record<string, string>>): string {
  return Object.keys(query)
    .sort()
    .map((name) => `${escapeUriComponent(name)}=${escapeUriComponent(query[name])}`)
    .join('&');
}

/** SHA-256 and HMAC-SHA256 from node:crypto in the shape @smithy/signature-v4 expects of a hash constructor. */
class NodeSha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.create();
  }

  update(data: Uint8Array): void {
    this.hash.update(data);
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.create();
  }

  private create(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const secret = this.secret;
    if (typeof secret === 'string') return createHmac('sha256', secret);
    if (ArrayBuffer.isView(secret)) return createHmac('sha256', new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength));
    return createHmac('sha256', new Uint8Array(secret));
  }
}
