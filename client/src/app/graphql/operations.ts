// Every GraphQL document the client sends. Queries are nouns, mutations verb + noun.
import { gql } from 'apollo-angular';

import type {
  AdminUser,
  AuditLogEntry,
  AuditLogFilter,
  BulkModerationResult,
  Connection,
  ModerationBatch,
  ModerationSettings,
  QueueImage,
  Role,
  RoleDefinition,
  ViewerPermissions,
} from '../admin/admin-types';
import type {
  AuthPayload,
  Image,
  ImageConnection,
  RequestUploadInput,
  SignInInput,
  SignUpInput,
  UploadGrant,
  Viewer,
} from './graphql-types';

const IMAGE_FIELDS = gql`
  fragment ImageFields on Image {
    id
    filename
    contentType
    byteSize
    width
    height
    status
    visibility
    rejectionReason
    createdAt
    url
    urlExpiresAt
  }
`;

const VIEWER_FIELDS = gql`
  fragment ViewerFields on User {
    id
    email
    displayName
    role
    permissions
    quota {
      usedBytes
      reservedBytes
      limitBytes
      usedCount
      limitCount
    }
  }
`;

export const VIEWER_QUERY = gql<{ viewer: Viewer | null }, Record<string, never>>`
  query Viewer {
    viewer {
      ...ViewerFields
    }
  }
  ${VIEWER_FIELDS}
`;

/** The per-file limit that the upload page shows; the API checks it again at requestUpload. */
export const UPLOAD_LIMITS_QUERY = gql<{ uploadLimits: { maxBytes: number } }, Record<string, never>>`
  query UploadLimits {
    uploadLimits {
      maxBytes
    }
  }
`;

export interface ImagesVariables {
  first: number;
  after?: string | null;
}

export const IMAGES_QUERY = gql<{ images: ImageConnection }, ImagesVariables>`
  query Images($first: Int, $after: String) {
    images(first: $first, after: $after) {
      edges {
        cursor
        node {
          ...ImageFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      totalCount
    }
  }
  ${IMAGE_FIELDS}
`;

export const IMAGE_QUERY = gql<{ image: Image | null }, { id: string }>`
  query Image($id: ID!) {
    image(id: $id) {
      ...ImageFields
    }
  }
  ${IMAGE_FIELDS}
`;

/** Fetches a fresh presigned URL for an image whose previous URL failed to load. */
export const IMAGE_URL_QUERY = gql<
  { image: Pick<Image, 'id' | 'url' | 'urlExpiresAt'> | null },
  { id: string }
>`
  query ImageUrl($id: ID!) {
    image(id: $id) {
      id
      url
      urlExpiresAt
    }
  }
`;

export const SIGN_UP_MUTATION = gql<{ signUp: AuthPayload }, { input: SignUpInput }>`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      token
      user {
        ...ViewerFields
      }
    }
  }
  ${VIEWER_FIELDS}
`;

export const SIGN_IN_MUTATION = gql<{ signIn: AuthPayload }, { input: SignInInput }>`
  mutation SignIn($input: SignInInput!) {
    signIn(input: $input) {
      token
      user {
        ...ViewerFields
      }
    }
  }
  ${VIEWER_FIELDS}
`;

export const SIGN_OUT_MUTATION = gql<{ signOut: boolean }, Record<string, never>>`
  mutation SignOut {
    signOut
  }
`;

export const REQUEST_UPLOAD_MUTATION = gql<
  { requestUpload: UploadGrant },
  { input: RequestUploadInput }
>`
  mutation RequestUpload($input: RequestUploadInput!) {
    requestUpload(input: $input) {
      image {
        id
      }
      url
      method
      headers {
        name
        value
      }
      expiresAt
    }
  }
`;

export const CONFIRM_UPLOAD_MUTATION = gql<{ confirmUpload: Image }, { id: string }>`
  mutation ConfirmUpload($id: ID!) {
    confirmUpload(id: $id) {
      ...ImageFields
    }
  }
  ${IMAGE_FIELDS}
`;

export const DELETE_IMAGE_MUTATION = gql<{ deleteImage: boolean }, { id: string }>`
  mutation DeleteImage($id: ID!) {
    deleteImage(id: $id)
  }
`;

// Moderation and admin screens. Their queries use the `no-cache` fetch policy, so that audit
// entries and other users' email addresses never reach the persisted Apollo cache.

/** Permissions of the signed-in viewer, for route guards and the header's Admin link. */
export const VIEWER_PERMISSIONS_QUERY = gql<{ viewer: ViewerPermissions | null }, Record<string, never>>`
  query ViewerPermissions {
    viewer {
      id
      permissions
    }
  }
`;

const QUEUE_IMAGE_FIELDS = gql`
  fragment QueueImageFields on Image {
    ...ImageFields
    owner {
      id
      displayName
    }
    moderationLease {
      moderatorId
      heldByViewer
      expiresAt
    }
    automatedCheck {
      classifier
      decision
      labels
      score
    }
  }
  ${IMAGE_FIELDS}
`;

export const MODERATION_QUEUE_QUERY = gql<
  { moderationQueue: Connection<QueueImage> },
  { first?: number; after?: string | null }
>`
  query ModerationQueue($first: Int, $after: String) {
    moderationQueue(first: $first, after: $after) {
      edges {
        cursor
        node {
          ...QueueImageFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      totalCount
    }
  }
  ${QUEUE_IMAGE_FIELDS}
`;

export const CLAIM_MODERATION_BATCH_MUTATION = gql<
  { claimModerationBatch: ModerationBatch },
  { input: { size: number } }
>`
  mutation ClaimModerationBatch($input: ClaimModerationBatchInput) {
    claimModerationBatch(input: $input) {
      leaseExpiresAt
      images {
        ...QueueImageFields
      }
    }
  }
  ${QUEUE_IMAGE_FIELDS}
`;

export const RELEASE_MODERATION_CLAIMS_MUTATION = gql<{ releaseModerationClaims: string[] }, { ids: string[] }>`
  mutation ReleaseModerationClaims($ids: [ID!]!) {
    releaseModerationClaims(ids: $ids)
  }
`;

export const APPROVE_IMAGES_MUTATION = gql<{ approveImages: BulkModerationResult }, { ids: string[] }>`
  mutation ApproveImages($ids: [ID!]!) {
    approveImages(ids: $ids) {
      images {
        id
        status
        rejectionReason
      }
      skipped {
        id
        code
        message
      }
    }
  }
`;

export const REJECT_IMAGES_MUTATION = gql<{ rejectImages: BulkModerationResult }, { ids: string[]; reason: string }>`
  mutation RejectImages($ids: [ID!]!, $reason: String!) {
    rejectImages(ids: $ids, reason: $reason) {
      images {
        id
        status
        rejectionReason
      }
      skipped {
        id
        code
        message
      }
    }
  }
`;

export const AUDIT_LOG_QUERY = gql<
  { auditLog: Connection<AuditLogEntry> },
  { first?: number; after?: string | null; filter?: AuditLogFilter | null }
>`
  query AuditLog($first: Int, $after: String, $filter: AuditLogFilter) {
    auditLog(first: $first, after: $after, filter: $filter) {
      edges {
        cursor
        node {
          id
          createdAt
          action
          automated
          actorEmail
          classifier
          targetType
          targetId
          reason
          automatedResult {
            classifier
            decision
            labels
            score
          }
          previousValue
          newValue
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      totalCount
    }
  }
`;

const ADMIN_USER_FIELDS = gql`
  fragment AdminUserFields on User {
    id
    email
    displayName
    role
    createdAt
    quota {
      usedBytes
      reservedBytes
      limitBytes
      usedCount
      limitCount
    }
  }
`;

export const USERS_QUERY = gql<
  { users: Connection<AdminUser> },
  { first?: number; after?: string | null; search?: string | null }
>`
  query Users($first: Int, $after: String, $search: String) {
    users(first: $first, after: $after, search: $search) {
      edges {
        cursor
        node {
          ...AdminUserFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      totalCount
    }
  }
  ${ADMIN_USER_FIELDS}
`;

export const ROLES_QUERY = gql<{ roles: RoleDefinition[] }, Record<string, never>>`
  query Roles {
    roles {
      role
      permissions
    }
  }
`;

export const CHANGE_USER_ROLE_MUTATION = gql<
  { changeUserRole: AdminUser },
  { input: { userId: string; role: Role } }
>`
  mutation ChangeUserRole($input: ChangeUserRoleInput!) {
    changeUserRole(input: $input) {
      ...AdminUserFields
    }
  }
  ${ADMIN_USER_FIELDS}
`;

export const CHANGE_USER_QUOTA_MUTATION = gql<
  { changeUserQuota: AdminUser },
  { input: { userId: string; limitBytes: number; limitCount: number } }
>`
  mutation ChangeUserQuota($input: ChangeUserQuotaInput!) {
    changeUserQuota(input: $input) {
      ...AdminUserFields
    }
  }
  ${ADMIN_USER_FIELDS}
`;

export const MODERATION_SETTINGS_QUERY = gql<{ moderationSettings: ModerationSettings }, Record<string, never>>`
  query ModerationSettings {
    moderationSettings {
      moderatorsSeePrivateImages
      updatedAt
    }
  }
`;

export const UPDATE_MODERATION_SETTINGS_MUTATION = gql<
  { updateModerationSettings: ModerationSettings },
  { input: { moderatorsSeePrivateImages: boolean } }
>`
  mutation UpdateModerationSettings($input: UpdateModerationSettingsInput!) {
    updateModerationSettings(input: $input) {
      moderatorsSeePrivateImages
      updatedAt
    }
  }
`;

export const APPROVE_IMAGE_MUTATION = gql<
  { approveImage: Pick<Image, 'id' | 'status' | 'rejectionReason'> },
  { id: string }
>`
  mutation ApproveImage($id: ID!) {
    approveImage(id: $id) {
      id
      status
      rejectionReason
    }
  }
`;

export const REJECT_IMAGE_MUTATION = gql<
  { rejectImage: Pick<Image, 'id' | 'status' | 'rejectionReason'> },
  { id: string; reason: string }
>`
  mutation RejectImage($id: ID!, $reason: String!) {
    rejectImage(id: $id, reason: $reason) {
      id
      status
      rejectionReason
    }
  }
`;
