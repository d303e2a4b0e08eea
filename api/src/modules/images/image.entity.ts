import { randomUUID } from 'node:crypto';
import { BigIntType, Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { UserEntity } from '../users/user.entity';
import { ImagePurpose, ImageStatus, Visibility } from './image.enums';

/**
 * One uploaded image. The row holds object keys, never URLs; keys derive from
 * the id alone and are never reused.
 */
@Entity({ tableName: 'images' })
@Index({ properties: ['owner', 'createdAt', 'id'] })
@Index({ properties: ['status', 'grantExpiresAt'] })
export class ImageEntity {
  [OptionalProps]?: 'status' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => UserEntity, { deleteRule: 'cascade' })
  owner!: UserEntity;

  /** The uploader's filename exactly as given; shown to people, never used in a key. */
  @Property({ type: 'text' })
  filename!: string;

  /** Declared at grant time, replaced by the detected type at confirm. */
  @Property({ type: 'text' })
  contentType!: string;

  @Property({ type: new BigIntType('number') })
  byteSize!: number;

  /** Hex SHA-256 declared by the client and signed into the grant, if any. */
  @Property({ type: 'text', nullable: true })
  sha256?: string;

  @Property({ type: 'integer', nullable: true })
  width?: number;

  @Property({ type: 'integer', nullable: true })
  height?: number;

  @Enum({ items: () => ImagePurpose, type: 'text' })
  purpose!: ImagePurpose;

  @Enum({ items: () => Visibility, type: 'text' })
  visibility!: Visibility;

  @Enum({ items: () => ImageStatus, type: 'text' })
  status: ImageStatus = ImageStatus.PENDING_UPLOAD;

  @Property({ type: 'text', nullable: true })
  rejectionReason?: string;

  /** Key of the final, verified object; set when confirm copied it there. */
  @Property({ type: 'text', nullable: true })
  objectKey?: string;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  grantExpiresAt!: Date;

  /** When a processing input stops being needed. */
  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  expiresAt?: Date;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  confirmedAt?: Date;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', columnType: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

export const incomingKey = (imageId: string) => `incoming/${imageId}`;
export const finalKey = (imageId: string) => `images/${imageId}`;
