import { BigIntType, Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { UserEntity } from '../users/user.entity';

/** Kinds of change an audit entry records. Stored as text, so values are never renamed. */
export enum AuditAction {
  IMAGE_APPROVED = 'IMAGE_APPROVED',
  IMAGE_REJECTED = 'IMAGE_REJECTED',
  /** A classifier looked at the image and left the decision to a moderator. */
  IMAGE_SENT_TO_REVIEW = 'IMAGE_SENT_TO_REVIEW',
  USER_ROLE_CHANGED = 'USER_ROLE_CHANGED',
  USER_QUOTA_CHANGED = 'USER_QUOTA_CHANGED',
  SETTING_CHANGED = 'SETTING_CHANGED',
}

export enum AuditTarget {
  IMAGE = 'IMAGE',
  USER = 'USER',
  SETTING = 'SETTING',
}

/** A classifier's verdict on an image. */
export enum ClassifierDecision {
  APPROVE = 'APPROVE',
  REJECT = 'REJECT',
  /** Send the image to a moderator. */
  REVIEW = 'REVIEW',
}

/** A classifier's verdict as stored with the audit entries it influenced. */
export interface AutomatedResult {
  classifier: string;
  decision: ClassifierDecision;
  labels: string[];
  /** Confidence between 0 and 1 when the classifier gives one. */
  score: number | null;
}

/**
 * One moderation decision or admin change. Rows are only ever inserted.
 * `targetId` has no foreign key, so entries outlive the images and users they
 * name; `actorEmail` keeps who acted after that account is deleted.
 */
@Entity({ tableName: 'audit_log' })
@Index({ properties: ['targetType', 'targetId'] })
export class AuditLogEntity {
  [OptionalProps]?: 'createdAt';

  /** Increasing identity, so paging by id lists entries in the order they were written. */
  @PrimaryKey({ type: new BigIntType('string'), autoincrement: true })
  id!: string;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt: Date = new Date();

  /** The moderator or admin who acted; null for classifier decisions and deleted accounts. */
  @ManyToOne(() => UserEntity, { nullable: true, deleteRule: 'set null' })
  actor?: UserEntity | null;

  @Property({ type: 'text', nullable: true })
  actorEmail?: string | null;

  /** Name of the classifier that acted, for automated entries. */
  @Property({ type: 'text', nullable: true })
  classifier?: string | null;

  @Enum({ items: () => AuditAction, type: 'text' })
  action!: AuditAction;

  @Enum({ items: () => AuditTarget, type: 'text' })
  targetType!: AuditTarget;

  @Property({ type: 'text' })
  targetId!: string;

  @Property({ type: 'text', nullable: true })
  reason?: string | null;

  /** The classifier verdict on the image at the time of the entry, if one ran. */
  @Property({ type: 'json', nullable: true })
  automatedResult?: AutomatedResult | null;

  @Property({ type: 'text', nullable: true })
  previousValue?: string | null;

  @Property({ type: 'text', nullable: true })
  newValue?: string | null;
}
