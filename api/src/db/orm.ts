import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { JobRunEntity } from '../jobs/job-run.entity';
import type { Logger } from '../logging/logger';
import { SettingEntity } from '../modules/admin/setting.entity';
import { SessionEntity } from '../modules/auth/session.entity';
import { ImageEntity } from '../modules/images/image.entity';
import { AuditLogEntity } from '../modules/moderation/audit-log.entity';
import { ApiTokenEntity } from '../modules/tokens/api-token.entity';
import { UserEntity } from '../modules/users/user.entity';
import { Migration20261204000000 } from './migrations/Migration20261204000000';
import { Migration20261204100000 } from './migrations/Migration20261204100000';
import { Migration20261204110000 } from './migrations/Migration20261204110000';
import { Migration20261204120000 } from './migrations/Migration20261204120000';
import { Migration20261205000000 } from './migrations/Migration20261205000000';
import { Migration20261205010000 } from './migrations/Migration20261205010000';

export const ENTITIES = [UserEntity, SessionEntity, ImageEntity, ApiTokenEntity, AuditLogEntity, SettingEntity, JobRunEntity];

/** Migrations in the order they apply; listed explicitly so compiled and test builds find the same set. */
export const MIGRATIONS = [
  { name: 'Migration20261204000000', class: Migration20261204000000 },
  { name: 'Migration20261204100000', class: Migration20261204100000 },
  { name: 'Migration20261204110000', class: Migration20261204110000 },
  { name: 'Migration20261204120000', class: Migration20261204120000 },
  { name: 'Migration20261205000000', class: Migration20261205000000 },
  { name: 'Migration20261205010000', class: Migration20261205010000 },
];

export function ormOptions(databaseUrl: string, logger?: Logger): Options {
  return {
    clientUrl: databaseUrl,
    entities: ENTITIES,
    extensions: [Migrator],
    migrations: { migrationsList: MIGRATIONS, transactional: true, allOrNothing: true, snapshot: false },
    discovery: { warnWhenNoEntities: true },
    // Never sync the schema from entities: migrations are the only way to change it.
    schemaGenerator: { disableForeignKeys: false },
    pool: { min: 0, max: 10 },
    forceUtcTimezone: true,
    debug: false,
    logger: (message) => logger?.debug({ event: 'orm.log' }, message),
    allowGlobalContext: false,
  };
}

export async function openDatabase(databaseUrl: string, logger?: Logger): Promise<MikroORM> {
  return MikroORM.init(ormOptions(databaseUrl, logger));
}

/** Applies pending migrations and returns their names. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((migration) => migration.name);
}
