export enum ImageStatus {
  PENDING_UPLOAD = 'PENDING_UPLOAD',
  IN_REVIEW = 'IN_REVIEW',
  APPROVED = 'APPROVED',
  REJECTED = 'REJECTED',
  EXPIRED = 'EXPIRED',
}

export enum ImagePurpose {
  /** A preview image shown in galleries. */
  GALLERY = 'GALLERY',
  /** A temporary input for a processing job; private, unreviewed and expiring. */
  PROCESSING = 'PROCESSING',
}

export enum Visibility {
  PUBLIC = 'PUBLIC',
  PRIVATE = 'PRIVATE',
}
