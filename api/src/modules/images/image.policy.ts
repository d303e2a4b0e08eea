import type { FilterQuery } from '@mikro-orm/core';
import type { Viewer } from '../../context';
import { hasPermission, Permission, viewerHasPermission } from '../auth/roles';
import type { ImageEntity } from './image.entity';
import { ImagePurpose, ImageStatus, Visibility } from './image.enums';

/**
 * The one place that decides who may see an image. `image`, `images`, counts
 * and `url` all go through it.
 *
 * - Owners see all their images.
 * - Signed-in users see PUBLIC gallery images once APPROVED.
 * - Moderators also see PUBLIC gallery images under review or rejected.
 * - PRIVATE and PROCESSING images are the owner's alone, unless an admin
 *   lets moderators see them (`VisibilitySettings.moderatorsSeePrivateImages`);
 *   then moderators see them once verified, in the same statuses as above.
 *
 * Admins hold the moderator permission, so the moderator rules and the
 * setting apply to them too. Callers that pass no settings get the defaults,
 * which reveal the least.
 */
export const ImagePolicy = {
  canSee(
    viewer: Viewer | null,
    image: Pick<ImageEntity, 'owner' | 'status' | 'visibility' | 'purpose'>,
    settings: VisibilitySettings = DEFAULT_VISIBILITY_SETTINGS,
  ): boolean {
    if (!viewer) return false;
    if (image.owner.id === viewer.userId) return true;
    const publicGallery = image.visibility === Visibility.PUBLIC && image.purpose === ImagePurpose.GALLERY;
    if (publicGallery && image.status === ImageStatus.APPROVED) return true;
    if (!viewerHasPermission(viewer, Permission.MODERATE_IMAGES) || !MODERATED_STATUSES.includes(image.status)) return false;
    return publicGallery || settings.moderatorsSeePrivateImages;
  },

  /** Returns whether a view URL may be minted: the image is visible and its verified object exists. */
  canViewBytes(viewer: Viewer | null, image: ImageEntity, settings: VisibilitySettings = DEFAULT_VISIBILITY_SETTINGS): boolean {
    return image.objectKey !== undefined && image.objectKey !== null && ImagePolicy.canSee(viewer, image, settings);
  },

  canDelete(viewer: Viewer | null, image: Pick<ImageEntity, 'owner'>): boolean {
    return viewer !== null && (image.owner.id === viewer.userId || hasPermission(viewer.role, Permission.MANAGE_USERS));
  },

  /** Returns the rule of `canSee` as a query filter, so lists and counts never include what `image` would hide. */
  visibleFilter(viewer: Viewer | null, settings: VisibilitySettings = DEFAULT_VISIBILITY_SETTINGS): FilterQuery<ImageEntity> {
    if (!viewer) return { id: { $in: [] } };
    const shared: FilterQuery<ImageEntity>[] = [
      { visibility: Visibility.PUBLIC, purpose: ImagePurpose.GALLERY, status: ImageStatus.APPROVED },
    ];
    if (viewerHasPermission(viewer, Permission.MODERATE_IMAGES)) {
      shared.push(
        settings.moderatorsSeePrivateImages
          ? { status: { $in: MODERATED_STATUSES } }
          : { visibility: Visibility.PUBLIC, purpose: ImagePurpose.GALLERY, status: { $in: MODERATED_STATUSES } },
      );
    }
    return { $or: [{ owner: viewer.userId }, ...shared] };
  },
};

/** Admin settings that widen what moderators see; stored by the admin module. */
export interface VisibilitySettings {
  /** Moderators (and admins) see other users' PRIVATE and PROCESSING images. Default false. */
  readonly moderatorsSeePrivateImages: boolean;
}

export const DEFAULT_VISIBILITY_SETTINGS: VisibilitySettings = Object.freeze({ moderatorsSeePrivateImages: false });

const MODERATED_STATUSES = [ImageStatus.IN_REVIEW, ImageStatus.APPROVED, ImageStatus.REJECTED];
