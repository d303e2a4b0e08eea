import { cameraJpeg } from '../../api/test/support/fixtures';

export const KiB = 1024;
export const MiB = 1024 * KiB;

/** Bytes of EXIF that cameraJpeg writes into every photo, whatever its size. */
const EXIF_BYTES = 20_000;

/**
 * Builds a photo-like camera JPEG within 3 % of `targetBytes`, searching the
 * frame size (4:3) from the measured bytes per pixel.
 */
export async function photoOfSize(targetBytes: number): Promise<Buffer> {
  let bytesPerPixel = 0.54;
  let best: Buffer | undefined;
  for (let attempt = 0; attempt < 6; attempt += 1) {
    const pixels = Math.max(64 * 48, (targetBytes - EXIF_BYTES) / bytesPerPixel);
    const width = Math.round(Math.sqrt((pixels * 4) / 3));
    const height = Math.round((width * 3) / 4);
    const photo = await cameraJpeg(width, height);
    if (!best || Math.abs(photo.length - targetBytes) < Math.abs(best.length - targetBytes)) best = photo;
    if (Math.abs(photo.length - targetBytes) <= targetBytes * 0.03) return photo;
    bytesPerPixel = Math.max(0.05, (photo.length - EXIF_BYTES) / (width * height));
  }
  throw new Error(`Could not build a JPEG within 3 % of ${targetBytes} bytes; the closest has ${best?.length} bytes.`);
}

export function formatBytes(bytes: number): string {
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(bytes % MiB === 0 ? 0 : 1)} MiB`;
  if (bytes >= KiB) return `${(bytes / KiB).toFixed(bytes % KiB === 0 ? 0 : 1)} KiB`;
  return `${bytes} B`;
}
