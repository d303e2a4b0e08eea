import type { FilterQuery } from '@mikro-orm/core';
import type { Viewer } from '../../context';
import { hasPermission, Permission } from '../auth/roles';
import type { ImageEntity } from './image.entity';
import { ImagePurpose, ImageStatus, Visibility } from './image.enums';

/**
 * The one place that decides who may see an image. `image`, `images`, counts
 * and `url` all go through it.
 *
 * - Owners see all their images.
 * - Signed-in users see PUBLIC gallery images once APPROVED.
 * - Moderators also see PUBLIC gallery images under review or rejected.
 * - PRIVATE and PROCESSING images are the owner's alone.
 */
export const ImagePolicy = {
  canSee(viewer: Viewer | null, image: Pick<ImageEntity, 'owner' | 'status' | 'visibility' | 'purpose'>): boolean {
    if (!viewer) return false;
    if (image.owner.id === viewer.userId) return true;
    if (image.visibility !== Visibility.PUBLIC || image.purpose !== ImagePurpose.GALLERY) return false;
    if (image.status === ImageStatus.APPROVED) return true;
    return hasPermission(viewer.role, Permission.MODERATE_IMAGES) && MODERATED_STATUSES.includes(image.status);
  },

  /** Whether a view URL may be minted: visible, and the verified object exists. */
  canViewBytes(viewer: Viewer | null, image: ImageEntity): boolean {
    return image.objectKey !== undefined && image.objectKey !== null && ImagePolicy.canSee(viewer, image);
  },

  canDelete(viewer: Viewer | null, image: Pick<ImageEntity, 'owner'>): boolean {
    return viewer !== null && (image.owner.id === viewer.userId || hasPermission(viewer.role, Permission.MANAGE_USERS));
  },

  /** The same rule as `canSee`, as a query filter, so lists and counts never include what `image` would hide. */
  visibleFilter(viewer: Viewer | null): FilterQuery<ImageEntity> {
    if (!viewer) return { id: { $in: [] } };
    const shared: FilterQuery<ImageEntity>[] = [
      { visibility: Visibility.PUBLIC, purpose: ImagePurpose.GALLERY, status: ImageStatus.APPROVED },
    ];
    if (hasPermission(viewer.role, Permission.MODERATE_IMAGES)) {
      shared.push({ visibility: Visibility.PUBLIC, purpose: ImagePurpose.GALLERY, status: { $in: MODERATED_STATUSES } });
    }
    return { $or: [{ owner: viewer.userId }, ...shared] };
  },
};

const MODERATED_STATUSES = [ImageStatus.IN_REVIEW, ImageStatus.APPROVED, ImageStatus.REJECTED];
