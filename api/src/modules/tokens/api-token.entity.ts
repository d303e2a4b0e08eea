import { randomUUID } from 'node:crypto';
import { ArrayType, Entity, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import type { Scope } from '../auth/roles';
import { UserEntity } from '../users/user.entity';

/**
 * A personal API token for third-party access. Only the SHA-256 of the secret
 * is stored; the secret itself is returned once, by createApiToken.
 */
@Entity({ tableName: 'api_tokens' })
export class ApiTokenEntity {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => UserEntity, { deleteRule: 'cascade' })
  user!: UserEntity;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: new ArrayType<Scope>((value) => value as Scope), columnType: 'text[]' })
  scopes!: Scope[];

  /** Hex SHA-256 of the whole secret, prefix included. */
  @Property({ type: 'text', unique: true })
  tokenHash!: string;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt: Date = new Date();

  /** Null: the token does not expire. */
  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  expiresAt?: Date | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  revokedAt?: Date | null;

  /** Updated at most once a minute, so busy tokens do not write on every request. */
  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  lastUsedAt?: Date | null;
}
