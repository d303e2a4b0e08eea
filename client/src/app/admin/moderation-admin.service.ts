import { Injectable, inject } from '@angular/core';
import { Apollo } from 'apollo-angular';
import { firstValueFrom } from 'rxjs';

import {
  APPROVE_IMAGE_MUTATION,
  APPROVE_IMAGES_MUTATION,
  AUDIT_LOG_QUERY,
  CHANGE_USER_QUOTA_MUTATION,
  CHANGE_USER_ROLE_MUTATION,
  CLAIM_MODERATION_BATCH_MUTATION,
  MODERATION_QUEUE_QUERY,
  MODERATION_SETTINGS_QUERY,
  REJECT_IMAGE_MUTATION,
  REJECT_IMAGES_MUTATION,
  RELEASE_MODERATION_CLAIMS_MUTATION,
  ROLES_QUERY,
  UPDATE_MODERATION_SETTINGS_MUTATION,
  USERS_QUERY,
} from '../graphql/operations';
import type {
  AdminUser,
  AuditLogEntry,
  AuditLogFilter,
  BulkModerationResult,
  Connection,
  ModerationBatch,
  ModerationSettings,
  QueueImage,
  Role,
  RoleDefinition,
} from './admin-types';

/**
 * GraphQL calls of the admin screens. Admin data is fetched with `no-cache`, so it is never
 * written to the Apollo cache that is persisted for offline use.
 */
@Injectable({ providedIn: 'root' })
export class ModerationAdminService {
  private readonly apollo = inject(Apollo);

  /** Images waiting for review, oldest first; used for the count of what is left. */
  async queue(first: number): Promise<Connection<QueueImage>> {
    const result = await firstValueFrom(
      this.apollo.query({ query: MODERATION_QUEUE_QUERY, variables: { first }, fetchPolicy: 'no-cache' }),
    );
    return required(result.data, 'moderationQueue').moderationQueue;
  }

  async claimBatch(size: number): Promise<ModerationBatch> {
    const result = await firstValueFrom(
      this.apollo.mutate({ mutation: CLAIM_MODERATION_BATCH_MUTATION, variables: { input: { size } }, fetchPolicy: 'no-cache' }),
    );
    return required(result.data, 'claimModerationBatch').claimModerationBatch;
  }

  async releaseClaims(ids: string[]): Promise<string[]> {
    const result = await firstValueFrom(
      this.apollo.mutate({ mutation: RELEASE_MODERATION_CLAIMS_MUTATION, variables: { ids } }),
    );
    return required(result.data, 'releaseModerationClaims').releaseModerationClaims;
  }

  async approve(id: string): Promise<void> {
    await firstValueFrom(this.apollo.mutate({ mutation: APPROVE_IMAGE_MUTATION, variables: { id } }));
  }

  async reject(id: string, reason: string): Promise<void> {
    await firstValueFrom(this.apollo.mutate({ mutation: REJECT_IMAGE_MUTATION, variables: { id, reason } }));
  }

  async approveMany(ids: string[]): Promise<BulkModerationResult> {
    const result = await firstValueFrom(this.apollo.mutate({ mutation: APPROVE_IMAGES_MUTATION, variables: { ids } }));
    return required(result.data, 'approveImages').approveImages;
  }

  async rejectMany(ids: string[], reason: string): Promise<BulkModerationResult> {
    const result = await firstValueFrom(
      this.apollo.mutate({ mutation: REJECT_IMAGES_MUTATION, variables: { ids, reason } }),
    );
    return required(result.data, 'rejectImages').rejectImages;
  }

  async auditLog(first: number, after: string | null, filter: AuditLogFilter | null): Promise<Connection<AuditLogEntry>> {
    const result = await firstValueFrom(
      this.apollo.query({ query: AUDIT_LOG_QUERY, variables: { first, after, filter }, fetchPolicy: 'no-cache' }),
    );
    return required(result.data, 'auditLog').auditLog;
  }

  async users(first: number, after: string | null, search: string | null): Promise<Connection<AdminUser>> {
    const result = await firstValueFrom(
      this.apollo.query({ query: USERS_QUERY, variables: { first, after, search }, fetchPolicy: 'no-cache' }),
    );
    return required(result.data, 'users').users;
  }

  async roles(): Promise<RoleDefinition[]> {
    const result = await firstValueFrom(this.apollo.query({ query: ROLES_QUERY, fetchPolicy: 'no-cache' }));
    return required(result.data, 'roles').roles;
  }

  async changeRole(userId: string, role: Role): Promise<AdminUser> {
    const result = await firstValueFrom(
      this.apollo.mutate({ mutation: CHANGE_USER_ROLE_MUTATION, variables: { input: { userId, role } }, fetchPolicy: 'no-cache' }),
    );
    return required(result.data, 'changeUserRole').changeUserRole;
  }

  async changeQuota(userId: string, limitBytes: number, limitCount: number): Promise<AdminUser> {
    const result = await firstValueFrom(
      this.apollo.mutate({
        mutation: CHANGE_USER_QUOTA_MUTATION,
        variables: { input: { userId, limitBytes, limitCount } },
        fetchPolicy: 'no-cache',
      }),
    );
    return required(result.data, 'changeUserQuota').changeUserQuota;
  }

  async moderationSettings(): Promise<ModerationSettings> {
    const result = await firstValueFrom(this.apollo.query({ query: MODERATION_SETTINGS_QUERY, fetchPolicy: 'no-cache' }));
    return required(result.data, 'moderationSettings').moderationSettings;
  }

  async updateModerationSettings(moderatorsSeePrivateImages: boolean): Promise<ModerationSettings> {
    const result = await firstValueFrom(
      this.apollo.mutate({
        mutation: UPDATE_MODERATION_SETTINGS_MUTATION,
        variables: { input: { moderatorsSeePrivateImages } },
        fetchPolicy: 'no-cache',
      }),
    );
    return required(result.data, 'updateModerationSettings').updateModerationSettings;
  }
}

function required<T>(data: T | null | undefined, field: string): T {
  if (!data) {
    throw new Error(`The server returned no ${field} data. Try again.`);
  }
  return data;
}
