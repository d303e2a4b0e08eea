import { Routes } from '@angular/router';

import { permissionGuard } from './admin/admin.guards';
import { ADMIN_AREA_PERMISSIONS } from './admin/permissions';
import { signedInGuard, signedOutGuard } from './auth/auth.guards';

export const routes: Routes = [
  { path: '', pathMatch: 'full', redirectTo: 'gallery' },
  {
    path: 'sign-in',
    title: 'Sign in · Sidestep',
    canActivate: [signedOutGuard],
    loadComponent: () => import('./auth/sign-in-page.component').then((m) => m.SignInPageComponent),
  },
  {
    path: 'sign-up',
    title: 'Create an account · Sidestep',
    canActivate: [signedOutGuard],
    loadComponent: () => import('./auth/sign-up-page.component').then((m) => m.SignUpPageComponent),
  },
  {
    path: 'upload',
    title: 'Upload · Sidestep',
    canActivate: [signedInGuard],
    loadComponent: () => import('./upload/upload-page.component').then((m) => m.UploadPageComponent),
  },
  {
    path: 'gallery',
    title: 'Gallery · Sidestep',
    canActivate: [signedInGuard],
    loadComponent: () => import('./gallery/gallery-page.component').then((m) => m.GalleryPageComponent),
  },
  {
    path: 'images/:id',
    title: 'Image · Sidestep',
    canActivate: [signedInGuard],
    loadComponent: () =>
      import('./image-detail/image-detail-page.component').then((m) => m.ImageDetailPageComponent),
  },
  {
    path: 'admin',
    canActivate: [permissionGuard(...ADMIN_AREA_PERMISSIONS)],
    loadChildren: () => import('./admin/admin.routes').then((m) => m.ADMIN_ROUTES),
  },
  { path: '**', redirectTo: 'gallery' },
];
