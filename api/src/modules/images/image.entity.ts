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

/** Columns of an `images` row as plain SQL returns them; MikroORM's driver settings leave bigint and timestamps as text. */
export interface ImageRow {
  id: string;
  owner_id: string;
  filename: string;
  content_type: string;
  byte_size: string | number;
  sha256: string | null;
  width: number | null;
  height: number | null;
  purpose: ImagePurpose;
  visibility: Visibility;
  status: ImageStatus;
  rejection_reason: string | null;
  object_key: string | null;
  grant_expires_at: string;
  expires_at: string | null;
  confirmed_at: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * Builds an image from a row without registering it with an EntityManager,
 * so no flush ever writes it. The upload path reads and writes its rows with
 * plain SQL, and `em.map` of each row cost about 0.25 ms of CPU.
 */
export function imageFromRow(row: ImageRow): ImageEntity {
  const owner = new UserEntity();
  owner.id = row.owner_id;
  const image = new ImageEntity();
  image.id = row.id;
  image.owner = owner;
  image.filename = row.filename;
  image.contentType = row.content_type;
  image.byteSize = Number(row.byte_size);
  image.sha256 = row.sha256 ?? undefined;
  image.width = row.width ?? undefined;
  image.height = row.height ?? undefined;
  image.purpose = row.purpose;
  image.visibility = row.visibility;
  image.status = row.status;
  image.rejectionReason = row.rejection_reason ?? undefined;
  image.objectKey = row.object_key ?? undefined;
  image.grantExpiresAt = new Date(row.grant_expires_at);
  image.expiresAt = row.expires_at === null ? undefined : new Date(row.expires_at);
  image.confirmedAt = row.confirmed_at === null ? undefined : new Date(row.confirmed_at);
  image.createdAt = new Date(row.created_at);
  image.updatedAt = new Date(row.updated_at);
  return image;
}

export const incomingKey = (imageId: string) => `incoming/${imageId}`;
export const finalKey = (imageId: string) => `images/${imageId}`;
