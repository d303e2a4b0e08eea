import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { UserEntity } from '../users/user.entity';

/**
 * One runtime setting that admins change from the admin screens. Settings
 * live in the database, not in the environment, so every API replica reads
 * the same value without a restart.
 */
@Entity({ tableName: 'settings' })
export class SettingEntity {
  @PrimaryKey({ type: 'text' })
  key!: string;

  /** The value as JSON; each key documents its own shape in SettingsService. */
  @Property({ type: 'json' })
  value!: unknown;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  updatedAt: Date = new Date();

  @ManyToOne(() => UserEntity, { nullable: true, deleteRule: 'set null' })
  updatedBy?: UserEntity | null;
}
