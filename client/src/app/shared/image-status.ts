import type { Image, ImageStatus } from '../graphql/graphql-types';

export const IMAGE_STATUS_LABELS: Record<ImageStatus, string> = {
  PENDING_UPLOAD: 'Waiting for upload',
  IN_REVIEW: 'In review',
  APPROVED: 'Approved',
  REJECTED: 'Rejected',
  EXPIRED: 'Expired',
};

/**
 * Returns the status label a person reads. Private images (processing inputs among them) skip
 * review, so their APPROVED status reads "Ready", which does not suggest that a moderator saw them.
 */
export function imageStatusLabel(image: Pick<Image, 'status' | 'visibility'>): string {
  if (image.status === 'APPROVED' && image.visibility === 'PRIVATE') {
    return 'Ready';
  }
  return IMAGE_STATUS_LABELS[image.status] ?? image.status;
}

/** Formats pixel dimensions as `4032×3024`, or `Unknown size` before the server measured them. */
export function formatDimensions(image: Pick<Image, 'width' | 'height'>): string {
  return image.width !== null && image.height !== null ? `${image.width}×${image.height}` : 'Unknown size';
}
