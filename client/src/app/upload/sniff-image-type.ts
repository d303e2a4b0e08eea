// Finds an image's MIME type from its first bytes, for files the browser gives no type
// (for example HEIC-less phones sending AVIF, or files dragged from some file managers).

interface Signature {
  type: string;
  /** Byte values at `offset`; null matches any byte. */
  bytes: readonly (number | null)[];
  offset?: number;
}

const ascii = (text: string) => [...text].map((character) => character.charCodeAt(0));

const SIGNATURES: readonly Signature[] = [
  { type: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
  { type: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'image/gif', bytes: ascii('GIF8') },
  { type: 'image/webp', bytes: [...ascii('RIFF'), null, null, null, null, ...ascii('WEBP')] },
  { type: 'image/avif', bytes: ascii('ftypavif'), offset: 4 },
  { type: 'image/avif', bytes: ascii('ftypavis'), offset: 4 },
];

function matches(head: Uint8Array, signature: Signature): boolean {
  const offset = signature.offset ?? 0;
  return signature.bytes.every((byte, index) => byte === null || head[offset + index] === byte);
}

/** Generic types that name no format, so the magic number decides for them. */
const GENERIC_TYPES: ReadonlySet<string> = new Set(['', 'application/octet-stream', 'binary/octet-stream']);

/**
 * Returns the file's declared type when the browser reports a specific one, otherwise the type its magic
 * number shows, or the declared type when neither helps. The API checks the stored bytes
 * again at confirm, so this only helps honest files get a grant.
 */
export async function resolveContentType(file: Blob): Promise<string> {
  if (!GENERIC_TYPES.has(file.type)) {
    return file.type;
  }
  const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
  return SIGNATURES.find((signature) => matches(head, signature))?.type ?? file.type;
}
