import type { Viewer } from '../../context';
import { AppError } from '../../errors/app-error';
import { hasScope, Scope } from '../auth/roles';

/**
 * The scope an API token needs for each root field, as `Type.field`; null
 * where a valid token of any scope may call it. A root field missing here is
 * closed to API tokens, so a field added later stays session-only until it is
 * given a scope. Sessions hold every scope and are not checked against this.
 */
export const ROOT_FIELD_SCOPES: Readonly<Record<string, Scope | null>> = {
  'Query.viewer': null,
  'Query.roles': null,
  'Query.image': Scope.IMAGES_READ,
  'Query.images': Scope.IMAGES_READ,
  'Query.uploadLimits': null,
  'Mutation.requestUpload': Scope.IMAGES_WRITE,
  'Mutation.confirmUpload': Scope.IMAGES_WRITE,
  'Mutation.deleteImage': Scope.IMAGES_WRITE,
  'Query.moderationQueue': Scope.IMAGES_MODERATE,
  'Query.moderationSettings': Scope.IMAGES_MODERATE,
  'Mutation.claimModerationBatch': Scope.IMAGES_MODERATE,
  'Mutation.releaseModerationClaims': Scope.IMAGES_MODERATE,
  'Mutation.approveImage': Scope.IMAGES_MODERATE,
  'Mutation.approveImages': Scope.IMAGES_MODERATE,
  'Mutation.rejectImage': Scope.IMAGES_MODERATE,
  'Mutation.rejectImages': Scope.IMAGES_MODERATE,
  'Query.users': Scope.USERS_MANAGE,
  'Mutation.changeUserRole': Scope.USERS_MANAGE,
  'Mutation.changeUserQuota': Scope.USERS_MANAGE,
  'Query.auditLog': Scope.AUDIT_READ,
  'Mutation.updateModerationSettings': Scope.SETTINGS_MANAGE,
  'Query.apiTokens': Scope.TOKENS_MANAGE,
  'Mutation.createApiToken': Scope.TOKENS_MANAGE,
  'Mutation.revokeApiToken': Scope.TOKENS_MANAGE,
};

/** Introspection and `__typename` need no scope. */
const isMetaField = (name: string) => name.startsWith('__');

/** Throws FORBIDDEN unless the viewer has the scope. `action` completes "... needs the scope". */
export function requireScope(viewer: Viewer, scope: Scope, action: string): void {
  if (!hasScope(viewer, scope)) throw missingScope(scope, action);
}

export function missingScope(scope: Scope, action: string, details: Record<string, unknown> = {}): AppError {
  return new AppError(
    'FORBIDDEN',
    `This API token lacks the ${scope} scope, which ${action} needs. Create a token with that scope.`,
    { requiredScope: scope, ...details },
  );
}

/**
 * Returns FORBIDDEN for the first root field that the API token may not call,
 * or null when it may call all of them. Checked before the operation runs, so
 * a refused operation changes nothing.
 */
export function rootFieldDenial(viewer: Viewer, rootType: string, fieldNames: Iterable<string>): AppError | null {
  for (const field of fieldNames) {
    if (isMetaField(field)) continue;
    const coordinate = `${rootType}.${field}`;
    if (!(coordinate in ROOT_FIELD_SCOPES)) {
      return new AppError('FORBIDDEN', `API tokens may not call ${field}. Use a signed-in session for it.`, { field });
    }
    const scope = ROOT_FIELD_SCOPES[coordinate];
    if (scope !== null && !hasScope(viewer, scope)) return missingScope(scope, field, { field });
  }
  return null;
}
