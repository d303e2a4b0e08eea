import { ArgsType, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from '../../graphql/connection.types';
import { ImageType } from '../images/image.types';
import { UserType } from '../users/user.types';
import { AuditAction, AuditTarget, ClassifierDecision, type AuditLogEntity, type AutomatedResult } from './audit-log.entity';
import type { Lease } from './moderation-lease';

registerEnumType(ClassifierDecision, {
  name: 'ClassifierDecision',
  description: 'The verdict of an automated check on an image.',
  valuesConfig: {
    APPROVE: { description: 'Publish the image.' },
    REJECT: { description: 'Reject the image.' },
    REVIEW: { description: 'Leave the decision to a moderator.' },
  },
});
registerEnumType(AuditAction, {
  name: 'AuditAction',
  description: 'What an audit log entry records.',
  valuesConfig: {
    IMAGE_APPROVED: { description: 'An image in review was approved.' },
    IMAGE_REJECTED: { description: 'An image in review was rejected.' },
    IMAGE_SENT_TO_REVIEW: { description: 'A classifier left the decision on an image to a moderator.' },
    USER_ROLE_CHANGED: { description: "An admin changed a user's role." },
    USER_QUOTA_CHANGED: { description: "An admin changed a user's quota." },
    SETTING_CHANGED: { description: 'An admin changed a setting.' },
  },
});
registerEnumType(AuditTarget, {
  name: 'AuditTarget',
  description: 'The kind of object an audit log entry is about.',
  valuesConfig: {
    IMAGE: { description: 'An image; targetId is its id.' },
    USER: { description: 'A user; targetId is their id.' },
    SETTING: { description: 'A setting; targetId is its key.' },
  },
});

@ObjectType({ description: "An automated check's verdict on an image." })
export class AutomatedCheck {
  @Field({ description: 'Name of the classifier, as set by MODERATION_CLASSIFIER.' })
  classifier!: string;

  @Field(() => ClassifierDecision, { description: "The classifier's verdict." })
  decision!: ClassifierDecision;

  @Field(() => [String], { description: 'Findings of the classifier, for example "builtin:checks-passed".' })
  labels!: string[];

  @Field(() => Float, { nullable: true, description: 'Confidence between 0 and 1; null when the classifier gives none.' })
  score!: number | null;

  static from(result: AutomatedResult): AutomatedCheck {
    return Object.assign(new AutomatedCheck(), {
      classifier: result.classifier,
      decision: result.decision,
      labels: result.labels,
      score: result.score,
    });
  }
}

@ObjectType({ description: 'A moderator\'s reservation of an image in review. Other moderators cannot decide it until it expires.' })
export class ModerationLease {
  @Field(() => ID, { description: 'Id of the moderator who holds the image.' })
  moderatorId!: string;

  @Field({ description: 'Whether the viewer holds the lease.' })
  heldByViewer!: boolean;

  @Field({ description: 'When the image returns to the queue unless it is decided first.' })
  expiresAt!: Date;

  static from(lease: Lease, viewerId: string | undefined): ModerationLease {
    return Object.assign(new ModerationLease(), {
      moderatorId: lease.claimedById,
      heldByViewer: lease.claimedById === viewerId,
      expiresAt: lease.expiresAt,
    });
  }
}

@InputType({ description: 'How many images to claim for review.' })
export class ClaimModerationBatchInput {
  @Field(() => Int, { nullable: true, description: 'Number of images, 1 to 50; default 10. Images the viewer already holds count too.' })
  size?: number;
}

@ObjectType({ description: 'Images leased to the viewer for review, oldest in the queue first.' })
export class ModerationBatch {
  @Field(() => [ImageType], { description: 'The claimed images; empty when the queue has nothing free.' })
  images!: ImageType[];

  @Field(() => Date, { nullable: true, description: 'When the leases end and the images return to the queue; null for an empty batch.' })
  leaseExpiresAt!: Date | null;
}

@ObjectType({ description: 'An image that a bulk decision left unchanged, and why.' })
export class SkippedImage {
  @Field(() => ID, { description: 'The image id as sent.' })
  id!: string;

  @Field({ description: 'Error code that deciding this image alone would have raised: NOT_FOUND, INVALID_STATE or IMAGE_CLAIMED.' })
  code!: string;

  @Field({ description: 'What went wrong and what to do, for people.' })
  message!: string;
}

@ObjectType({ description: 'The outcome of a bulk approve or reject. Each image is decided on its own; one failure does not stop the others.' })
export class BulkModerationResult {
  @Field(() => [ImageType], { description: 'Images that were decided, in their new status.' })
  images!: ImageType[];

  @Field(() => [SkippedImage], { description: 'Images left unchanged.' })
  skipped!: SkippedImage[];
}

@ObjectType({ description: 'One moderation decision or admin change. Entries are never changed or deleted.' })
export class AuditLogEntry {
  @Field(() => ID, { description: 'Increasing id; higher ids were written later.' })
  id!: string;

  @Field({ description: 'When the change happened.' })
  createdAt!: Date;

  @Field(() => AuditAction, { description: 'What happened.' })
  action!: AuditAction;

  @Field({ description: 'Whether a classifier acted rather than a person.' })
  automated!: boolean;

  @Field(() => UserType, { nullable: true, description: 'The person who acted; null for classifiers and deleted accounts.' })
  actor!: UserType | null;

  @Field(() => String, { nullable: true, description: 'Email address of the person who acted, kept after the account is deleted.' })
  actorEmail!: string | null;

  @Field(() => String, { nullable: true, description: 'Name of the classifier that acted, for automated entries.' })
  classifier!: string | null;

  @Field(() => AuditTarget, { description: 'The kind of object changed.' })
  targetType!: AuditTarget;

  @Field({ description: 'Id of the image or user, or key of the setting.' })
  targetId!: string;

  @Field(() => String, { nullable: true, description: 'Rejection reason, for rejections.' })
  reason!: string | null;

  @Field(() => AutomatedCheck, {
    nullable: true,
    description: "The classifier's verdict on the image at the time, if one ran; shows what the automated check said before a person decided.",
  })
  automatedResult!: AutomatedCheck | null;

  @Field(() => String, { nullable: true, description: 'Value before the change, for role, quota and setting changes.' })
  previousValue!: string | null;

  @Field(() => String, { nullable: true, description: 'Value after the change, for role, quota and setting changes.' })
  newValue!: string | null;

  static from(entry: AuditLogEntity): AuditLogEntry {
    return Object.assign(new AuditLogEntry(), {
      id: entry.id,
      createdAt: entry.createdAt,
      action: entry.action,
      automated: Boolean(entry.classifier),
      actor: entry.actor ? UserType.from(entry.actor) : null,
      actorEmail: entry.actorEmail ?? null,
      classifier: entry.classifier ?? null,
      targetType: entry.targetType,
      targetId: entry.targetId,
      reason: entry.reason ?? null,
      automatedResult: entry.automatedResult ? AutomatedCheck.from(entry.automatedResult) : null,
      previousValue: entry.previousValue ?? null,
      newValue: entry.newValue ?? null,
    });
  }
}

@ObjectType({ description: 'An audit log entry in a connection.' })
export class AuditLogEdge {
  @Field({ description: 'Opaque cursor of this edge.' })
  cursor!: string;

  @Field(() => AuditLogEntry, { description: 'The entry.' })
  node!: AuditLogEntry;
}

@ObjectType({ description: 'A page of audit log entries, newest first.' })
export class AuditLogConnection {
  @Field(() => [AuditLogEdge], { description: 'The entries of this page with their cursors.' })
  edges!: AuditLogEdge[];

  @Field(() => PageInfo, { description: 'Where this page ends and whether more follow.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Number of entries matching the filter.' })
  totalCount!: number;
}

@InputType({ description: 'Narrows the audit log. Every field is optional.' })
export class AuditLogFilter {
  @Field(() => AuditAction, { nullable: true, description: 'Only entries of this action.' })
  action?: AuditAction;

  @Field(() => AuditTarget, { nullable: true, description: 'Only entries about this kind of object.' })
  targetType?: AuditTarget;

  @Field(() => String, { nullable: true, description: 'Only entries about the image, user or setting with this id or key.' })
  targetId?: string;
}

@ArgsType()
export class ListPageArgs {
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100; default 20.' })
  first?: number;

  @Field(() => String, { nullable: true, description: 'Return items after this cursor.' })
  after?: string;
}
