import { fileTypeFromBuffer } from 'file-type';
import { imageSize } from 'image-size';

/**
 * Bytes read per range request; the API never keeps more of an object in
 * memory than a few of these. A JPEG's EXIF segment is at most 64 KiB, so one
 * window usually reaches a camera photo's frame header.
 */
export const INSPECT_WINDOW_BYTES = 64 * 1024;

/** Range reads allowed while walking JPEG segments towards the frame header. */
const MAX_JPEG_READS = 24;

export type RangeReader = (offset: number, length: number) => Promise<Buffer>;

export interface InspectedImage {
  contentType: string;
  width: number;
  height: number;
}

/** Why stored bytes were rejected; `message` is shown to the uploader. */
export class InspectionFailure extends Error {
  constructor(
    readonly reason: 'EMPTY' | 'SIZE_MISMATCH' | 'TYPE_MISMATCH' | 'UNREADABLE_HEADER' | 'TOO_MANY_PIXELS' | 'REPLACED',
    message: string,
  ) {
    super(message);
    this.name = 'InspectionFailure';
  }
}

/**
 * Checks the magic number against the declared type and reads the dimensions
 * from the header, with a pixel cap against decompression bombs. `head` is
 * the object's first window; `read` fetches further windows, needed only for
 * JPEGs whose metadata pushes the frame header past the first.
 */
export async function inspectImage(head: Buffer, read: RangeReader, declaredType: string, maxPixels: number): Promise<InspectedImage> {
  if (head.length === 0) throw new InspectionFailure('EMPTY', 'The uploaded file is empty. Upload the image again.');

  const detected = await fileTypeFromBuffer(head);
  if (!detected || detected.mime !== declaredType) {
    const found = detected ? detected.mime : 'an unrecognised format';
    throw new InspectionFailure(
      'TYPE_MISMATCH',
      `The file was declared as ${declaredType} but its bytes are ${found}. Upload a real ${declaredType} file or declare its true type.`,
    );
  }

  const dimensions = declaredType === 'image/jpeg' ? await jpegDimensions(read, head) : headerDimensions(head);
  if (!dimensions || dimensions.width < 1 || dimensions.height < 1) {
    throw new InspectionFailure('UNREADABLE_HEADER', `The ${declaredType} header could not be read. The file may be damaged; export it again.`);
  }

  const pixels = dimensions.width * dimensions.height;
  if (pixels > maxPixels) {
    throw new InspectionFailure(
      'TOO_MANY_PIXELS',
      `The image is ${dimensions.width}×${dimensions.height} (${pixels} pixels), over the limit of ${maxPixels} pixels. Scale it down and upload again.`,
    );
  }
  return { contentType: declaredType, ...dimensions };
}

function headerDimensions(head: Buffer): { width: number; height: number } | null {
  try {
    const size = imageSize(head);
    return size.width && size.height ? { width: size.width, height: size.height } : null;
  } catch {
    return null;
  }
}

/** Start-of-frame markers that carry the dimensions; C4, C8 and CC are other segment types. */
const isStartOfFrame = (marker: number) => marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);

/**
 * Walks JPEG segments from the start of the file to the frame header, fetching
 * a new window only when the next segment begins past the bytes already read.
 * Camera files keep large EXIF and ICC segments before the frame header.
 */
async function jpegDimensions(read: RangeReader, head: Buffer): Promise<{ width: number; height: number } | null> {
  let window = head;
  let windowStart = 0;
  let offset = 2; // after the SOI marker
  let reads = 1;

  while (reads <= MAX_JPEG_READS) {
    if (offset + 9 > windowStart + window.length) {
      window = await read(offset, INSPECT_WINDOW_BYTES);
      windowStart = offset;
      reads += 1;
      if (window.length < 9) return null;
    }
    const at = offset - windowStart;
    if (window[at] !== 0xff) return null;
    const marker = window[at + 1];
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (isStartOfFrame(marker)) {
      return { height: window.readUInt16BE(at + 5), width: window.readUInt16BE(at + 7) };
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image or scan data before any frame header
    offset += 2 + window.readUInt16BE(at + 2);
  }
  return null;
}
