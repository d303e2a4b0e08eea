import type { EntityManager } from '@mikro-orm/postgresql';
import type { RequestContext } from '../../context';
import { DEFAULT_VISIBILITY_SETTINGS, type VisibilitySettings } from '../images/image.policy';
import { Permission } from '../auth/roles';
import { UserEntity } from '../users/user.entity';
import { AuditAction, AuditTarget } from '../moderation/audit-log.entity';
import { requirePermission, viewerHas } from './permission-guard';
import { SettingEntity } from './setting.entity';

/** Settings row key of `VisibilitySettings.moderatorsSeePrivateImages`; the value is a JSON boolean. */
export const MODERATORS_SEE_PRIVATE_IMAGES = 'moderation.moderators_see_private_images';

export interface ModerationSettings extends VisibilitySettings {
  updatedAt: Date | null;
}

/**
 * Reads and changes the admin settings. They live in the `settings` table so
 * that every replica sees a change at once; a missing row means the default.
 */
export class SettingsService {
  /** One read per request at most, however many images a response checks. */
  private readonly perRequest = new WeakMap<RequestContext, Promise<ModerationSettings>>();

  /**
   * Returns the settings the image policy needs for this viewer. Only
   * moderators are affected by them, so other viewers cost no query.
   */
  async visibilityFor(ctx: RequestContext): Promise<VisibilitySettings> {
    if (!viewerHas(ctx, Permission.MODERATE_IMAGES)) return DEFAULT_VISIBILITY_SETTINGS;
    return this.cached(ctx);
  }

  /** Returns the moderation settings; moderators may read them, so they know what they can see. */
  async moderationSettings(ctx: RequestContext): Promise<ModerationSettings> {
    requirePermission(ctx, Permission.MODERATE_IMAGES, 'read the moderation settings');
    return this.cached(ctx);
  }

  async updateModerationSettings(ctx: RequestContext, input: { moderatorsSeePrivateImages: boolean }): Promise<ModerationSettings> {
    const viewer = requirePermission(ctx, Permission.MANAGE_SETTINGS, 'change settings');
    const updated = await ctx.em.transactional(async (em) => {
      const previous = await this.read(em);
      const row = await em.upsert(SettingEntity, {
        key: MODERATORS_SEE_PRIVATE_IMAGES,
        value: input.moderatorsSeePrivateImages,
        updatedAt: new Date(),
        updatedBy: em.getReference(UserEntity, viewer.userId),
      });
      if (previous.moderatorsSeePrivateImages !== input.moderatorsSeePrivateImages) {
        await ctx.services.auditLog.record(em, ctx, {
          action: AuditAction.SETTING_CHANGED,
          targetType: AuditTarget.SETTING,
          targetId: MODERATORS_SEE_PRIVATE_IMAGES,
          previousValue: String(previous.moderatorsSeePrivateImages),
          newValue: String(input.moderatorsSeePrivateImages),
        });
      }
      return { moderatorsSeePrivateImages: row.value === true, updatedAt: row.updatedAt };
    });
    this.perRequest.set(ctx, Promise.resolve(updated));
    ctx.logger.info({ event: 'settings.changed', key: MODERATORS_SEE_PRIVATE_IMAGES, value: input.moderatorsSeePrivateImages });
    return updated;
  }

  private cached(ctx: RequestContext): Promise<ModerationSettings> {
    let settings = this.perRequest.get(ctx);
    if (!settings) {
      settings = this.read(ctx.em);
      this.perRequest.set(ctx, settings);
    }
    return settings;
  }

  private async read(em: EntityManager): Promise<ModerationSettings> {
    const row = await em.findOne(SettingEntity, { key: MODERATORS_SEE_PRIVATE_IMAGES }, { refresh: true });
    return { moderatorsSeePrivateImages: row?.value === true, updatedAt: row?.updatedAt ?? null };
  }
}
