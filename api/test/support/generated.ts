export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A date-time string at UTC, such as 2007-12-03T10:15:30Z, compliant with the `date-time` format outlined in section 5.6 of the RFC 3339 profile of the ISO 8601 standard for representation of dates and times using the Gregorian calendar.This scalar is serialized to a string in ISO 8601 format and parsed from a string in ISO 8601 format. */
  DateTimeISO: { input: string; output: string; }
};

/** A personal API token for third-party access. The secret is never shown again after createApiToken. */
export type ApiToken = {
  __typename?: 'ApiToken';
  /** Whether requests with the token are accepted: neither revoked nor expired. */
  active: Scalars['Boolean']['output'];
  /** When the token was created. */
  createdAt: Scalars['DateTimeISO']['output'];
  /** When the token stops working; null when it does not expire. */
  expiresAt?: Maybe<Scalars['DateTimeISO']['output']>;
  /** Stable opaque id, used to revoke the token. */
  id: Scalars['ID']['output'];
  /** When a request last used the token, to the minute; null when none has. */
  lastUsedAt?: Maybe<Scalars['DateTimeISO']['output']>;
  /** Name given at creation, usually after the app that uses the token. */
  name: Scalars['String']['output'];
  /** The user the token acts for. */
  owner: User;
  /** When the token was revoked; null while it is not. */
  revokedAt?: Maybe<Scalars['DateTimeISO']['output']>;
  /** What the token may do. */
  scopes: Array<ApiTokenScope>;
};

/** A page of API tokens, newest first. */
export type ApiTokenConnection = {
  __typename?: 'ApiTokenConnection';
  /** The tokens of this page with their cursors. */
  edges: Array<ApiTokenEdge>;
  /** Where this page ends and whether more follow. */
  pageInfo: PageInfo;
  /** Number of tokens of the user, revoked and expired ones included. */
  totalCount: Scalars['Int']['output'];
};

/** An API token in a connection. */
export type ApiTokenEdge = {
  __typename?: 'ApiTokenEdge';
  /** Opaque cursor of this edge. */
  cursor: Scalars['String']['output'];
  /** The token. */
  node: ApiToken;
};

/** What an API token may do. Written in lowercase with a colon (images:read) in messages and docs. A scope never adds to what the role of the token owner allows. */
export type ApiTokenScope =
  /** audit:read — read the audit log; admins only. */
  | 'AUDIT_READ'
  /** images:moderate — the moderation queue; moderators and admins only. */
  | 'IMAGES_MODERATE'
  /** images:read — read image, images and the view URLs of images the owner may see. */
  | 'IMAGES_READ'
  /** images:write — requestUpload, confirmUpload and deleteImage. */
  | 'IMAGES_WRITE'
  /** settings:manage — change settings; admins only. */
  | 'SETTINGS_MANAGE'
  /** tokens:manage — create, list and revoke the owner's API tokens, with no more scopes than this token has. */
  | 'TOKENS_MANAGE'
  /** users:manage — admin work on users, including listing and revoking other users' API tokens; admins only. */
  | 'USERS_MANAGE';

/** What an audit log entry records. */
export type AuditAction =
  /** An image in review was approved. */
  | 'IMAGE_APPROVED'
  /** An image in review was rejected. */
  | 'IMAGE_REJECTED'
  /** A classifier left the decision on an image to a moderator. */
  | 'IMAGE_SENT_TO_REVIEW'
  /** An admin changed a setting. */
  | 'SETTING_CHANGED'
  /** An admin changed a user's quota. */
  | 'USER_QUOTA_CHANGED'
  /** An admin changed a user's role. */
  | 'USER_ROLE_CHANGED';

/** A page of audit log entries, newest first. */
export type AuditLogConnection = {
  __typename?: 'AuditLogConnection';
  /** The entries of this page with their cursors. */
  edges: Array<AuditLogEdge>;
  /** Where this page ends and whether more follow. */
  pageInfo: PageInfo;
  /** Number of entries matching the filter. */
  totalCount: Scalars['Int']['output'];
};

/** An audit log entry in a connection. */
export type AuditLogEdge = {
  __typename?: 'AuditLogEdge';
  /** Opaque cursor of this edge. */
  cursor: Scalars['String']['output'];
  /** The entry. */
  node: AuditLogEntry;
};

/** One moderation decision or admin change. Entries are never changed or deleted. */
export type AuditLogEntry = {
  __typename?: 'AuditLogEntry';
  /** What happened. */
  action: AuditAction;
  /** The person who acted; null for classifiers and deleted accounts. */
  actor?: Maybe<User>;
  /** Email address of the person who acted, kept after the account is deleted. */
  actorEmail?: Maybe<Scalars['String']['output']>;
  /** Whether a classifier acted rather than a person. */
  automated: Scalars['Boolean']['output'];
  /** The classifier's verdict on the image at the time, if one ran; shows what the automated check said before a person decided. */
  automatedResult?: Maybe<AutomatedCheck>;
  /** Name of the classifier that acted, for automated entries. */
  classifier?: Maybe<Scalars['String']['output']>;
  /** When the change happened. */
  createdAt: Scalars['DateTimeISO']['output'];
  /** Increasing id; higher ids were written later. */
  id: Scalars['ID']['output'];
  /** Value after the change, for role, quota and setting changes. */
  newValue?: Maybe<Scalars['String']['output']>;
  /** Value before the change, for role, quota and setting changes. */
  previousValue?: Maybe<Scalars['String']['output']>;
  /** Rejection reason, for rejections. */
  reason?: Maybe<Scalars['String']['output']>;
  /** Id of the image or user, or key of the setting. */
  targetId: Scalars['String']['output'];
  /** The kind of object changed. */
  targetType: AuditTarget;
};

/** Narrows the audit log. Every field is optional. */
export type AuditLogFilter = {
  /** Only entries of this action. */
  action?: InputMaybe<AuditAction>;
  /** Only entries about the image, user or setting with this id or key. */
  targetId?: InputMaybe<Scalars['String']['input']>;
  /** Only entries about this kind of object. */
  targetType?: InputMaybe<AuditTarget>;
};

/** The kind of object an audit log entry is about. */
export type AuditTarget =
  /** An image; targetId is its id. */
  | 'IMAGE'
  /** A setting; targetId is its key. */
  | 'SETTING'
  /** A user; targetId is their id. */
  | 'USER';

/** A new session. */
export type AuthPayload = {
  __typename?: 'AuthPayload';
  /** Bearer token: send it as "Authorization: Bearer <token>". Shown once. */
  token: Scalars['String']['output'];
  /** The signed-in account. */
  user: User;
};

/** An automated check's verdict on an image. */
export type AutomatedCheck = {
  __typename?: 'AutomatedCheck';
  /** Name of the classifier, as set by MODERATION_CLASSIFIER. */
  classifier: Scalars['String']['output'];
  /** The classifier's verdict. */
  decision: ClassifierDecision;
  /** Findings of the classifier, for example "builtin:checks-passed". */
  labels: Array<Scalars['String']['output']>;
  /** Confidence between 0 and 1; null when the classifier gives none. */
  score?: Maybe<Scalars['Float']['output']>;
};

/** The outcome of a bulk approve or reject. Each image is decided on its own; one failure does not stop the others. */
export type BulkModerationResult = {
  __typename?: 'BulkModerationResult';
  /** Images that were decided, in their new status. */
  images: Array<Image>;
  /** Images left unchanged. */
  skipped: Array<SkippedImage>;
};

/** A user's new storage limits. Open upload grants count against them. */
export type ChangeUserQuotaInput = {
  /** Maximum bytes of stored images, a whole number from 0. */
  limitBytes: Scalars['Float']['input'];
  /** Maximum number of stored images, from 0. */
  limitCount: Scalars['Int']['input'];
  /** The user to change. */
  userId: Scalars['ID']['input'];
};

/** A user's new role. */
export type ChangeUserRoleInput = {
  /** The new role. */
  role: Role;
  /** The user to change; not the viewer. */
  userId: Scalars['ID']['input'];
};

/** How many images to claim for review. */
export type ClaimModerationBatchInput = {
  /** Number of images, 1 to 50; default 10. Images the viewer already holds count too. */
  size?: InputMaybe<Scalars['Int']['input']>;
};

/** The verdict of an automated check on an image. */
export type ClassifierDecision =
  /** Publish the image. */
  | 'APPROVE'
  /** Reject the image. */
  | 'REJECT'
  /** Leave the decision to a moderator. */
  | 'REVIEW';

/** A new API token. */
export type CreateApiTokenInput = {
  /** When the token stops working; omit it for a token that does not expire. */
  expiresAt?: InputMaybe<Scalars['DateTimeISO']['input']>;
  /** Name to recognise the token by, 1 to 80 characters. */
  name: Scalars['String']['input'];
  /** Scopes the token carries; at least one, and only those the role of the owner allows. */
  scopes: Array<ApiTokenScope>;
};

/** A new API token and its secret. */
export type CreatedApiToken = {
  __typename?: 'CreatedApiToken';
  /** The secret, shown this once: send it as "Authorization: Bearer <secret>". Only its SHA-256 is stored. */
  secret: Scalars['String']['output'];
  /** The new token. */
  token: ApiToken;
};

/** An HTTP header the client must send with the upload. */
export type HttpHeader = {
  __typename?: 'HttpHeader';
  /** Header name, lowercase. */
  name: Scalars['String']['output'];
  /** Header value, to send unchanged. */
  value: Scalars['String']['output'];
};

/** An uploaded image. Only metadata lives in the API; `url` points at storage. */
export type Image = {
  __typename?: 'Image';
  /** The latest automated check's verdict; null when none ran or the viewer is not a moderator. */
  automatedCheck?: Maybe<AutomatedCheck>;
  /** Size in bytes. */
  byteSize: Scalars['Int']['output'];
  /** MIME type; verified from the bytes once the upload is confirmed. */
  contentType: Scalars['String']['output'];
  /** When the upload grant was issued. */
  createdAt: Scalars['DateTimeISO']['output'];
  /** When a PROCESSING image is deleted. */
  expiresAt?: Maybe<Scalars['DateTimeISO']['output']>;
  /** The uploader's original filename, exactly as given. */
  filename: Scalars['String']['output'];
  /** Height in pixels, read from the file header at confirm. */
  height?: Maybe<Scalars['Int']['output']>;
  /** Stable opaque id; also names the stored object. */
  id: Scalars['ID']['output'];
  /** Who holds the image in review and until when; null when nobody does or the viewer is not a moderator. */
  moderationLease?: Maybe<ModerationLease>;
  /** Who uploaded the image. */
  owner: User;
  /** What the image is for. */
  purpose: ImagePurpose;
  /** Why the image was rejected; shown to the owner. */
  rejectionReason?: Maybe<Scalars['String']['output']>;
  /** Where the image is in its lifecycle. */
  status: ImageStatus;
  /** Short-lived presigned GET URL of the bytes; null when the viewer may not see them or they are not verified yet. */
  url?: Maybe<Scalars['String']['output']>;
  /** When `url` stops working. */
  urlExpiresAt?: Maybe<Scalars['DateTimeISO']['output']>;
  /** Who may see the image once verified. */
  visibility: Visibility;
  /** Width in pixels, read from the file header at confirm. */
  width?: Maybe<Scalars['Int']['output']>;
};

/** A page of images, newest first. */
export type ImageConnection = {
  __typename?: 'ImageConnection';
  /** The images of this page with their cursors. */
  edges: Array<ImageEdge>;
  /** Where this page ends and whether more follow. */
  pageInfo: PageInfo;
  /** Number of images matching the filter that the viewer may see. */
  totalCount: Scalars['Int']['output'];
};

/** An image in a connection. */
export type ImageEdge = {
  __typename?: 'ImageEdge';
  /** Opaque cursor of this edge. */
  cursor: Scalars['String']['output'];
  /** The image. */
  node: Image;
};

/** Narrows an image list. Every field is optional. */
export type ImageFilter = {
  /** Only the viewer's own images. */
  mine?: InputMaybe<Scalars['Boolean']['input']>;
  /** Only images with this purpose. */
  purpose?: InputMaybe<ImagePurpose>;
  /** Only images in this status. */
  status?: InputMaybe<ImageStatus>;
  /** Only images with this visibility. */
  visibility?: InputMaybe<Visibility>;
};

/** What an image is for. */
export type ImagePurpose =
  /** A preview image shown in galleries. */
  | 'GALLERY'
  /** A private, temporary input for processing; skips review and expires. */
  | 'PROCESSING';

/** Where an image is in its lifecycle. */
export type ImageStatus =
  /** Verified, and approved when public. */
  | 'APPROVED'
  /** The grant or the processing input expired; the object is gone. */
  | 'EXPIRED'
  /** Verified and waiting for a moderator; visible to the owner and moderators only. */
  | 'IN_REVIEW'
  /** A grant was issued; the upload is not confirmed yet. */
  | 'PENDING_UPLOAD'
  /** The bytes failed the checks or a moderator rejected the image; see rejectionReason. */
  | 'REJECTED';

/** A background job, its schedule and its last run. */
export type Job = {
  __typename?: 'Job';
  /** What the job does. */
  description: Scalars['String']['output'];
  /** The latest run on any replica; null when the job never ran. */
  lastRun?: Maybe<JobRun>;
  /** The job. */
  name: JobName;
  /** Whether the replica that served the request is running the job now. */
  runningHere: Scalars['Boolean']['output'];
  /** Cron expression of the schedule, in node-cron syntax with an optional leading seconds field. */
  schedule: Scalars['String']['output'];
  /** The environment variable that sets the schedule. */
  scheduleVariable: Scalars['String']['output'];
  /** Whether the replica that served the request runs the schedules (JOBS_ENABLED). */
  scheduled: Scalars['Boolean']['output'];
  /** IANA time zone the schedule is read in (JOBS_TIMEZONE). */
  timezone: Scalars['String']['output'];
};

/** One named count of a job run. */
export type JobCount = {
  __typename?: 'JobCount';
  /** Name of the count, for example rowsExpired or keysDeleted. */
  name: Scalars['String']['output'];
  /** The count. */
  value: Scalars['Int']['output'];
};

/** A background job. `npm run jobs:run -- <name>` takes the same jobs in kebab case, for example expire-grants. */
export type JobName =
  /** Expires unused upload grants, deletes their uploads and releases their quota. */
  | 'EXPIRE_GRANTS'
  /** Deletes the objects of PROCESSING images past their expiry. */
  | 'EXPIRE_PROCESSING'
  /** Deletes the objects of REJECTED images past the retention period. */
  | 'PURGE_REJECTED'
  /** Deletes objects no image claims and reports images whose object is missing. */
  | 'RECONCILE_STORAGE';

/** One run of a background job. */
export type JobRun = {
  __typename?: 'JobRun';
  /** Counts of the work the run did, such as rows changed and object keys deleted, sorted by name. */
  counts: Array<JobCount>;
  /** The error that ended a FAILED run. */
  error?: Maybe<Scalars['String']['output']>;
  /** When the run ended; null while it is running. */
  finishedAt?: Maybe<Scalars['DateTimeISO']['output']>;
  /** Stable opaque id; logs carry it as jobRunId. */
  id: Scalars['ID']['output'];
  /** The job that ran. */
  job: JobName;
  /** How the run ended. */
  outcome: JobRunOutcome;
  /** The admin who started the run; null for scheduled and command-line runs. */
  requestedById?: Maybe<Scalars['ID']['output']>;
  /** The process that ran the job, as hostname:pid. */
  runner: Scalars['String']['output'];
  /** When the run took the job lock, by the database clock. */
  startedAt: Scalars['DateTimeISO']['output'];
  /** What started the run. */
  trigger: JobTrigger;
};

/** A page of job runs, newest first. */
export type JobRunConnection = {
  __typename?: 'JobRunConnection';
  /** The runs of this page with their cursors. */
  edges: Array<JobRunEdge>;
  /** Where this page ends and whether more follow. */
  pageInfo: PageInfo;
  /** Number of runs matching the filter; runs older than JOB_RUN_RETENTION_DAYS are pruned. */
  totalCount: Scalars['Int']['output'];
};

/** A job run in a connection. */
export type JobRunEdge = {
  __typename?: 'JobRunEdge';
  /** Opaque cursor of this edge. */
  cursor: Scalars['String']['output'];
  /** The run. */
  node: JobRun;
};

/** How a job run ended. */
export type JobRunOutcome =
  /** Stopped on an error; the work it committed is in the counts, and the next run continues. */
  | 'FAILED'
  /** Still running. */
  | 'RUNNING'
  /** Finished; the counts say what it did. */
  | 'SUCCEEDED';

/** The reason a job did not run when requested. */
export type JobSkipReason =
  /** Another replica is running the job. */
  | 'LOCKED_ELSEWHERE'
  /** The replica that received the request is running the job already. */
  | 'RUNNING_IN_PROCESS'
  /** The replica is shutting down. */
  | 'SHUTTING_DOWN';

/** The source that started a job run. */
export type JobTrigger =
  /** An admin, through runJob. */
  | 'ADMIN'
  /** An operator, through `npm run jobs:run`. */
  | 'CLI'
  /** The cron schedule. */
  | 'SCHEDULE';

/** A confirmed image whose object the reconcile pass could not find in storage. */
export type MissingObject = {
  __typename?: 'MissingObject';
  /** When a reconcile pass first found the object missing. */
  firstDetectedAt: Scalars['DateTimeISO']['output'];
  /** The image. */
  imageId: Scalars['ID']['output'];
  /** The status of the image now. */
  imageStatus: ImageStatus;
  /** When a reconcile pass last found the object missing. */
  lastDetectedAt: Scalars['DateTimeISO']['output'];
  /** The storage key that is missing. */
  objectKey: Scalars['String']['output'];
  /** The owner of the image. */
  ownerId: Scalars['ID']['output'];
};

/** A page of missing objects, most recently found first. */
export type MissingObjectConnection = {
  __typename?: 'MissingObjectConnection';
  /** The missing objects of this page with their cursors. */
  edges: Array<MissingObjectEdge>;
  /** Where this page ends and whether more follow. */
  pageInfo: PageInfo;
  /** Number of images whose object is missing. */
  totalCount: Scalars['Int']['output'];
};

/** A missing object in a connection. */
export type MissingObjectEdge = {
  __typename?: 'MissingObjectEdge';
  /** Opaque cursor of this edge. */
  cursor: Scalars['String']['output'];
  /** The missing object. */
  node: MissingObject;
};

/** Images leased to the viewer for review, oldest in the queue first. */
export type ModerationBatch = {
  __typename?: 'ModerationBatch';
  /** The claimed images; empty when the queue has nothing free. */
  images: Array<Image>;
  /** When the leases end and the images return to the queue; null for an empty batch. */
  leaseExpiresAt?: Maybe<Scalars['DateTimeISO']['output']>;
};

/** A moderator's reservation of an image in review. Other moderators cannot decide it until it expires. */
export type ModerationLease = {
  __typename?: 'ModerationLease';
  /** When the image returns to the queue unless it is decided first. */
  expiresAt: Scalars['DateTimeISO']['output'];
  /** Whether the viewer holds the lease. */
  heldByViewer: Scalars['Boolean']['output'];
  /** Id of the moderator who holds the image. */
  moderatorId: Scalars['ID']['output'];
};

/** Settings that decide what moderators may do. */
export type ModerationSettingsType = {
  __typename?: 'ModerationSettingsType';
  /** Whether moderators and admins see other users' PRIVATE and PROCESSING images. Default false. */
  moderatorsSeePrivateImages: Scalars['Boolean']['output'];
  /** When an admin last changed the settings; null while they are the defaults. */
  updatedAt?: Maybe<Scalars['DateTimeISO']['output']>;
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Approves an image in review, which makes a public image visible to every signed-in user. Moderators only. */
  approveImage: Image;
  /** Approves up to 100 images in review. Moderators only. */
  approveImages: BulkModerationResult;
  /** Changes a user's byte and image limits. Admins only. */
  changeUserQuota: User;
  /** Changes a user's role; it applies from the user's next request. Admins only. */
  changeUserRole: User;
  /** Leases images in review to the viewer, oldest first, so that no other moderator decides them until the lease expires. Claiming again renews the leases the viewer holds. Moderators only. */
  claimModerationBatch: ModerationBatch;
  /** Verifies the uploaded bytes and publishes the image. Safe to call again. */
  confirmUpload: Image;
  /** Creates an API token for the viewer and returns its secret, once. */
  createApiToken: CreatedApiToken;
  /** Deletes an image and its stored bytes, and gives its quota back. */
  deleteImage: Scalars['Boolean']['output'];
  /** Rejects an image in review; the owner sees the reason. Moderators only. */
  rejectImage: Image;
  /** Rejects up to 100 images in review with one reason. Moderators only. */
  rejectImages: BulkModerationResult;
  /** Returns images the viewer holds to the queue at once. Returns the ids that were released. */
  releaseModerationClaims: Array<Scalars['ID']['output']>;
  /** Checks limits and quota and returns a short-lived grant to upload one file straight to storage. */
  requestUpload: UploadGrant;
  /** Revokes an API token at once: the viewer's own, or anyone's for admins. Safe to call again. */
  revokeApiToken: ApiToken;
  /** Runs a background job now on the replica that receives the request and returns when it finished. Admins only. */
  runJob: RunJobPayload;
  /** Opens a session for an existing account. */
  signIn: AuthPayload;
  /** Ends the current session. Returns false when there was none. */
  signOut: Scalars['Boolean']['output'];
  /** Creates an account and signs it in. */
  signUp: AuthPayload;
  /** Changes the moderation settings. Admins only. */
  updateModerationSettings: ModerationSettingsType;
};


export type MutationApproveImageArgs = {
  id: Scalars['ID']['input'];
};


export type MutationApproveImagesArgs = {
  ids: Array<Scalars['ID']['input']>;
};


export type MutationChangeUserQuotaArgs = {
  input: ChangeUserQuotaInput;
};


export type MutationChangeUserRoleArgs = {
  input: ChangeUserRoleInput;
};


export type MutationClaimModerationBatchArgs = {
  input?: InputMaybe<ClaimModerationBatchInput>;
};


export type MutationConfirmUploadArgs = {
  id: Scalars['ID']['input'];
};


export type MutationCreateApiTokenArgs = {
  input: CreateApiTokenInput;
};


export type MutationDeleteImageArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRejectImageArgs = {
  id: Scalars['ID']['input'];
  reason: Scalars['String']['input'];
};


export type MutationRejectImagesArgs = {
  ids: Array<Scalars['ID']['input']>;
  reason: Scalars['String']['input'];
};


export type MutationReleaseModerationClaimsArgs = {
  ids: Array<Scalars['ID']['input']>;
};


export type MutationRequestUploadArgs = {
  input: RequestUploadInput;
};


export type MutationRevokeApiTokenArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRunJobArgs = {
  input: RunJobInput;
};


export type MutationSignInArgs = {
  input: SignInInput;
};


export type MutationSignUpArgs = {
  input: SignUpInput;
};


export type MutationUpdateModerationSettingsArgs = {
  input: UpdateModerationSettingsInput;
};

/** Cursor-connection paging state. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** Cursor of the last edge; pass it as `after` to get the next page. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** Whether another page follows this one. */
  hasNextPage: Scalars['Boolean']['output'];
};

export type Query = {
  __typename?: 'Query';
  /** API tokens of the viewer, or of another user for admins, newest first. */
  apiTokens: ApiTokenConnection;
  /** Moderation decisions and admin changes, newest first. Admins only. */
  auditLog: AuditLogConnection;
  /** One image; null when it does not exist or the viewer may not see it. */
  image?: Maybe<Image>;
  /** Images the viewer may see, newest first. */
  images: ImageConnection;
  /** Job runs of every replica, newest first. Admins only. */
  jobRuns: JobRunConnection;
  /** Every background job with its schedule and latest run. Admins only. */
  jobs: Array<Job>;
  /** Confirmed images whose object the last reconcile pass could not find in storage. Admins only. */
  missingObjects: MissingObjectConnection;
  /** Images waiting for review, oldest first, whoever holds them. Moderators only. */
  moderationQueue: ImageConnection;
  /** The moderation settings. Moderators and admins. */
  moderationSettings: ModerationSettingsType;
  /** Every role with the permissions it grants. */
  roles: Array<RoleDefinition>;
  /** The size, type, pixel and filename limits of uploads, so a client can check a file before it requests a grant. */
  uploadLimits: UploadLimits;
  /** Accounts, newest first. Admins only. */
  users: UserConnection;
  /** The signed-in user, or null when the request has no valid session. */
  viewer?: Maybe<User>;
};


export type QueryApiTokensArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  userId?: InputMaybe<Scalars['ID']['input']>;
};


export type QueryAuditLogArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<AuditLogFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryImageArgs = {
  id: Scalars['ID']['input'];
};


export type QueryImagesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<ImageFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryJobRunsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  job?: InputMaybe<JobName>;
};


export type QueryMissingObjectsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryModerationQueueArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryUsersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
};

/** A user's storage limits and how much of them is taken. Open upload grants count as reserved. */
export type Quota = {
  __typename?: 'Quota';
  /** Maximum of usedBytes + reservedBytes. */
  limitBytes: Scalars['Float']['output'];
  /** Maximum of usedCount + reservedCount. */
  limitCount: Scalars['Int']['output'];
  /** Bytes held by upload grants not yet confirmed or expired. */
  reservedBytes: Scalars['Float']['output'];
  /** Number of open upload grants. */
  reservedCount: Scalars['Int']['output'];
  /** Bytes of confirmed images. */
  usedBytes: Scalars['Float']['output'];
  /** Number of confirmed images. */
  usedCount: Scalars['Int']['output'];
};

/** What the client is about to upload. The grant binds the type, the exact size and the SHA-256 when given. */
export type RequestUploadInput = {
  /** Exact size of the file in bytes. */
  byteSize: Scalars['Int']['input'];
  /** MIME type: image/jpeg, image/png, image/webp, image/gif or image/avif by default. */
  contentType: Scalars['String']['input'];
  /** Original filename, any Unicode, up to UPLOAD_FILENAME_MAX_LENGTH characters (default 255). Never used in a storage key. */
  filename: Scalars['String']['input'];
  /** Defaults to GALLERY. */
  purpose?: InputMaybe<ImagePurpose>;
  /** Hex SHA-256 of the file; when given, storage rejects any other bytes. */
  sha256?: InputMaybe<Scalars['String']['input']>;
  /** Defaults to PRIVATE. PUBLIC images are reviewed before others see them. */
  visibility?: InputMaybe<Visibility>;
};

/** What an account may do. */
export type Role =
  | 'ADMIN'
  | 'MODERATOR'
  | 'USER';

/** A role and the permissions it grants; the admin screens show and check the same list. */
export type RoleDefinition = {
  __typename?: 'RoleDefinition';
  /** Permissions the role grants, for example "images:moderate". */
  permissions: Array<Scalars['String']['output']>;
  /** The role. */
  role: Role;
};

/** Which job to run now. */
export type RunJobInput = {
  /** The job to run. */
  job: JobName;
};

/** The result of runJob: the finished run, or why the job did not run. */
export type RunJobPayload = {
  __typename?: 'RunJobPayload';
  /** The job that was asked for. */
  job: JobName;
  /** Whether the job ran; false when it was running already. */
  ran: Scalars['Boolean']['output'];
  /** The finished run; null when the job did not run. */
  run?: Maybe<JobRun>;
  /** Why the job did not run; null when it ran. */
  skipReason?: Maybe<JobSkipReason>;
};

/** Credentials of an existing account. */
export type SignInInput = {
  /** Email address of the account. */
  email: Scalars['String']['input'];
  /** Password of the account. */
  password: Scalars['String']['input'];
};

/** A new account. */
export type SignUpInput = {
  /** Name shown to other users, 1 to 80 characters. */
  displayName: Scalars['String']['input'];
  /** Email address, used to sign in. Compared case-insensitively. */
  email: Scalars['String']['input'];
  /** At least 8 and at most 256 characters. */
  password: Scalars['String']['input'];
};

/** An image that a bulk decision left unchanged, and why. */
export type SkippedImage = {
  __typename?: 'SkippedImage';
  /** Error code that deciding this image alone would have raised: NOT_FOUND, INVALID_STATE or IMAGE_CLAIMED. */
  code: Scalars['String']['output'];
  /** The image id as sent. */
  id: Scalars['ID']['output'];
  /** What went wrong and what to do, for people. */
  message: Scalars['String']['output'];
};

/** New moderation settings. */
export type UpdateModerationSettingsInput = {
  /** Whether moderators and admins see other users' PRIVATE and PROCESSING images. */
  moderatorsSeePrivateImages: Scalars['Boolean']['input'];
};

/** Permission to upload one file straight to storage: send exactly `method` to `url` with exactly `headers` and the file as the body, then call confirmUpload. */
export type UploadGrant = {
  __typename?: 'UploadGrant';
  /** When the URL stops working. */
  expiresAt: Scalars['DateTimeISO']['output'];
  /** Headers to send unchanged. The body length must equal byteSize. */
  headers: Array<HttpHeader>;
  /** The new image, in PENDING_UPLOAD until confirmUpload. */
  image: Image;
  /** HTTP method, PUT. */
  method: Scalars['String']['output'];
  /** Presigned URL; it must not be changed. */
  url: Scalars['String']['output'];
};

/** The limits every upload must meet; requestUpload rejects a file outside them. */
export type UploadLimits = {
  __typename?: 'UploadLimits';
  /** MIME types that uploads may declare. */
  allowedTypes: Array<Scalars['String']['output']>;
  /** Maximum filename length, in characters. */
  filenameMaxLength: Scalars['Int']['output'];
  /** Seconds an upload grant stays valid. */
  grantTtlSeconds: Scalars['Int']['output'];
  /** Maximum file size in bytes. */
  maxBytes: Scalars['Int']['output'];
  /** Maximum pixel count (width times height), a whole number. */
  maxPixels: Scalars['Float']['output'];
};

/** An account. */
export type User = {
  __typename?: 'User';
  /** When the account was created. */
  createdAt: Scalars['DateTimeISO']['output'];
  /** Name shown to other users. */
  displayName: Scalars['String']['output'];
  /** Email address; null unless the viewer is this user or an admin. */
  email?: Maybe<Scalars['String']['output']>;
  /** Stable opaque id. */
  id: Scalars['ID']['output'];
  /** Permissions of the account's role, for example "images:moderate"; clients show or hide features by them. For the viewer, only those the request's scopes also allow. Empty unless the viewer is this user or an admin. */
  permissions: Array<Scalars['String']['output']>;
  /** Storage limits; null unless the viewer is this user or an admin. */
  quota?: Maybe<Quota>;
  /** Role that decides what the account may do. */
  role: Role;
};

/** A page of accounts, newest first. */
export type UserConnection = {
  __typename?: 'UserConnection';
  /** The accounts of this page with their cursors. */
  edges: Array<UserEdge>;
  /** Where this page ends and whether more follow. */
  pageInfo: PageInfo;
  /** Number of accounts matching the search. */
  totalCount: Scalars['Int']['output'];
};

/** An account in a connection. */
export type UserEdge = {
  __typename?: 'UserEdge';
  /** Opaque cursor of this edge. */
  cursor: Scalars['String']['output'];
  /** The account. */
  node: User;
};

/** Who may see an image once it is verified. */
export type Visibility =
  /** The owner only. */
  | 'PRIVATE'
  /** Every signed-in user, after moderation. */
  | 'PUBLIC';
