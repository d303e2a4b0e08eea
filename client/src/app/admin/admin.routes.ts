import { Routes } from '@angular/router';

import { permissionGuard } from './admin.guards';
import { CLIENT_PERMISSIONS } from './permissions';

/** Routes under /admin, loaded on first visit. Each page is guarded by the permission its API calls need. */
export const ADMIN_ROUTES: Routes = [
  {
    path: '',
    loadComponent: () => import('./admin-shell.component').then((m) => m.AdminShellComponent),
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'queue' },
      {
        path: 'queue',
        title: 'Review queue · Sidestep',
        canActivate: [permissionGuard(CLIENT_PERMISSIONS.MODERATE_IMAGES)],
        loadComponent: () => import('./moderation-queue-page.component').then((m) => m.ModerationQueuePageComponent),
      },
      {
        path: 'audit-log',
        title: 'Audit log · Sidestep',
        canActivate: [permissionGuard(CLIENT_PERMISSIONS.READ_AUDIT_LOG)],
        loadComponent: () => import('./audit-log-page.component').then((m) => m.AuditLogPageComponent),
      },
      {
        path: 'users',
        title: 'Users · Sidestep',
        canActivate: [permissionGuard(CLIENT_PERMISSIONS.MANAGE_USERS)],
        loadComponent: () => import('./users-page.component').then((m) => m.UsersPageComponent),
      },
    ],
  },
];
