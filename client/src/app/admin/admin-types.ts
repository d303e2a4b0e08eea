// TypeScript shapes of the moderation and admin part of the GraphQL contract, limited to the
// fields the admin screens select.
import type { Image } from '../graphql/graphql-types';

export type Role = 'USER' | 'MODERATOR' | 'ADMIN';

export type AuditAction =
  | 'IMAGE_APPROVED'
  | 'IMAGE_REJECTED'
  | 'IMAGE_SENT_TO_REVIEW'
  | 'USER_ROLE_CHANGED'
  | 'USER_QUOTA_CHANGED'
  | 'SETTING_CHANGED';

export type AuditTarget = 'IMAGE' | 'USER' | 'SETTING';

export type ClassifierDecision = 'APPROVE' | 'REJECT' | 'REVIEW';

export interface AutomatedCheck {
  classifier: string;
  decision: ClassifierDecision;
  labels: string[];
  /** Confidence between 0 and 1, or null. */
  score: number | null;
}

export interface ModerationLease {
  moderatorId: string;
  heldByViewer: boolean;
  /** ISO 8601 date-time. */
  expiresAt: string;
}

/** An image as the moderation queue shows it. */
export interface QueueImage extends Image {
  owner: { id: string; displayName: string };
  moderationLease: ModerationLease | null;
  automatedCheck: AutomatedCheck | null;
}

export interface ModerationBatch {
  images: QueueImage[];
  /** ISO 8601 date-time, or null for an empty batch. */
  leaseExpiresAt: string | null;
}

export interface SkippedImage {
  id: string;
  code: string;
  message: string;
}

export interface BulkModerationResult {
  images: Pick<Image, 'id' | 'status' | 'rejectionReason'>[];
  skipped: SkippedImage[];
}

export interface AuditLogEntry {
  id: string;
  /** ISO 8601 date-time. */
  createdAt: string;
  action: AuditAction;
  automated: boolean;
  actorEmail: string | null;
  classifier: string | null;
  targetType: AuditTarget;
  targetId: string;
  reason: string | null;
  automatedResult: AutomatedCheck | null;
  previousValue: string | null;
  newValue: string | null;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

export interface AuditLogFilter {
  action?: AuditAction | null;
  targetType?: AuditTarget | null;
  targetId?: string | null;
}

export interface AdminUser {
  id: string;
  email: string | null;
  displayName: string;
  role: Role;
  /** ISO 8601 date-time. */
  createdAt: string;
  quota: {
    usedBytes: number;
    reservedBytes: number;
    limitBytes: number;
    usedCount: number;
    limitCount: number;
  } | null;
}

export interface RoleDefinition {
  role: Role;
  permissions: string[];
}

export interface ModerationSettings {
  moderatorsSeePrivateImages: boolean;
  /** ISO 8601 date-time, or null while the settings are the defaults. */
  updatedAt: string | null;
}

export interface ViewerPermissions {
  id: string;
  permissions: string[];
}
