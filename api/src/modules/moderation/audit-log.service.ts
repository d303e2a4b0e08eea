import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import type { RequestContext } from '../../context';
import { badInput } from '../../errors/app-error';
import { requirePermission } from '../admin/permission-guard';
import { Permission } from '../auth/roles';
import { pageSize, type PageRequest } from '../images/image.service';
import { UserEntity } from '../users/user.entity';
import { AuditAction, AuditLogEntity, AuditTarget, type AutomatedResult } from './audit-log.entity';

/** One entry to write. The actor is the request's viewer unless `classifier` names an automated actor. */
export interface AuditEntry {
  action: AuditAction;
  targetType: AuditTarget;
  targetId: string;
  reason?: string | null;
  automatedResult?: AutomatedResult | null;
  classifier?: string | null;
  previousValue?: string | null;
  newValue?: string | null;
}

export interface AuditLogFilter {
  action?: AuditAction | null;
  targetType?: AuditTarget | null;
  targetId?: string | null;
}

export interface AuditLogPage {
  edges: { cursor: string; node: AuditLogEntity }[];
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
}

const encodeCursor = (id: string) => Buffer.from(`audit|${id}`).toString('base64url');

function decodeCursor(cursor: string): string {
  const [kind, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (kind !== 'audit' || !/^\d{1,19}$/.test(id ?? '')) {
    throw badInput(`The cursor "${cursor}" is not valid. Pass an endCursor or cursor from an earlier auditLog page.`, 'after');
  }
  return id;
}

/** Writes the audit log inside the caller's transaction and pages through it for admins. */
export class AuditLogService {
  /** Adds entries in the transaction of `em`, so they commit or roll back with the change they record. */
  async record(em: EntityManager, ctx: RequestContext, ...entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const humanEntries = entries.some((entry) => !entry.classifier);
    const actor = humanEntries && ctx.viewer ? await em.findOne(UserEntity, ctx.viewer.userId) : null;
    for (const entry of entries) {
      const automated = Boolean(entry.classifier);
      em.create(AuditLogEntity, {
        actor: automated ? null : actor,
        actorEmail: automated ? null : (actor?.email ?? null),
        classifier: entry.classifier ?? null,
        action: entry.action,
        targetType: entry.targetType,
        targetId: entry.targetId,
        reason: entry.reason ?? null,
        automatedResult: entry.automatedResult ?? null,
        previousValue: entry.previousValue ?? null,
        newValue: entry.newValue ?? null,
      });
    }
    await em.flush();
  }

  /** Returns the most recent classifier verdict of each image that has one. */
  async latestAutomatedResults(em: EntityManager, imageIds: readonly string[]): Promise<Map<string, AutomatedResult>> {
    const results = new Map<string, AutomatedResult>();
    if (imageIds.length === 0) return results;
    const rows = await em.find(
      AuditLogEntity,
      { targetType: AuditTarget.IMAGE, targetId: { $in: [...imageIds] }, automatedResult: { $ne: null } },
      { orderBy: { id: 'desc' }, fields: ['id', 'targetId', 'automatedResult'] },
    );
    for (const row of rows) {
      if (!results.has(row.targetId) && row.automatedResult) results.set(row.targetId, row.automatedResult);
    }
    return results;
  }

  /** Lists entries newest first; admins only. */
  async list(ctx: RequestContext, page: PageRequest, filter: AuditLogFilter = {}): Promise<AuditLogPage> {
    requirePermission(ctx, Permission.READ_AUDIT_LOG, 'read the audit log');
    const first = pageSize(page.first);
    const conditions: FilterQuery<AuditLogEntity>[] = [];
    if (filter.action) conditions.push({ action: filter.action });
    if (filter.targetType) conditions.push({ targetType: filter.targetType });
    if (filter.targetId) conditions.push({ targetId: filter.targetId });
    const where: FilterQuery<AuditLogEntity> = conditions.length > 0 ? { $and: conditions } : {};
    const keyset: FilterQuery<AuditLogEntity> = page.after ? { id: { $lt: decodeCursor(page.after) } } : {};

    const [rows, totalCount] = await Promise.all([
      ctx.em.find(AuditLogEntity, { $and: [where, keyset] }, { orderBy: { id: 'desc' }, limit: first + 1, populate: ['actor'] }),
      ctx.em.count(AuditLogEntity, where),
    ]);
    const edges = rows.slice(0, first).map((node) => ({ cursor: encodeCursor(node.id), node }));
    return {
      edges,
      hasNextPage: rows.length > first,
      endCursor: edges.length > 0 ? edges[edges.length - 1].cursor : null,
      totalCount,
    };
  }
}
