// TypeScript shapes of the public GraphQL contract, limited to the fields the client selects.

export type Visibility = 'PRIVATE' | 'PUBLIC';

export type ImageStatus = 'PENDING_UPLOAD' | 'IN_REVIEW' | 'APPROVED' | 'REJECTED' | 'EXPIRED';

export type UserRole = string;

export interface Quota {
  usedBytes: number;
  reservedBytes: number;
  limitBytes: number;
  usedCount: number;
  limitCount: number;
}

export interface Viewer {
  id: string;
  email: string;
  displayName: string;
  role: UserRole;
  quota: Quota | null;
}

export interface Image {
  id: string;
  filename: string;
  contentType: string;
  byteSize: number;
  width: number | null;
  height: number | null;
  status: ImageStatus;
  visibility: Visibility;
  rejectionReason: string | null;
  /** ISO 8601 date-time. */
  createdAt: string;
  /** Presigned GET URL, or null when the viewer may not see the bytes. */
  url: string | null;
  /** ISO 8601 date-time after which `url` stops working. */
  urlExpiresAt: string | null;
}

export interface ImageEdge {
  cursor: string;
  node: Image;
}

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface ImageConnection {
  edges: ImageEdge[];
  pageInfo: PageInfo;
  totalCount: number;
}

export interface HttpHeader {
  name: string;
  value: string;
}

/** Presigned request that sends one file straight to object storage. */
export interface UploadGrant {
  image: Pick<Image, 'id'>;
  url: string;
  method: string;
  headers: HttpHeader[];
  /** ISO 8601 date-time. */
  expiresAt: string;
}

export interface AuthPayload {
  token: string;
  user: Viewer;
}

export interface RequestUploadInput {
  filename: string;
  contentType: string;
  byteSize: number;
  visibility: Visibility;
}

export interface SignInInput {
  email: string;
  password: string;
}

export interface SignUpInput extends SignInInput {
  displayName: string;
}
