import { randomUUID } from 'node:crypto';
import { BigIntType, Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Role } from '../auth/roles';

@Entity({ tableName: 'users' })
export class UserEntity {
  [OptionalProps]?: 'role' | 'usedBytes' | 'usedImages' | 'reservedBytes' | 'reservedImages' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** Stored lowercased; the unique index makes sign-up races safe. */
  @Property({ type: 'text', unique: true })
  email!: string;

  @Property({ type: 'text' })
  displayName!: string;

  @Property({ type: 'text', hidden: true, lazy: true })
  passwordHash!: string;

  @Enum({ items: () => Role, nativeEnumName: undefined, type: 'text' })
  role: Role = Role.USER;

  @Property({ type: new BigIntType('number') })
  quotaBytes!: number;

  @Property({ type: 'integer' })
  quotaImages!: number;

  /** Bytes of confirmed images that still hold storage. */
  @Property({ type: new BigIntType('number') })
  usedBytes = 0;

  @Property({ type: 'integer' })
  usedImages = 0;

  /** Bytes declared by open grants, released at confirm, rejection or expiry. */
  @Property({ type: new BigIntType('number') })
  reservedBytes = 0;

  @Property({ type: 'integer' })
  reservedImages = 0;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', columnType: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
