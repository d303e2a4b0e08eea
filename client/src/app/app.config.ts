import {
  ApplicationConfig,
  ErrorHandler,
  inject,
  isDevMode,
  provideAppInitializer,
  provideBrowserGlobalErrorListeners,
  provideZonelessChangeDetection,
} from '@angular/core';
import { provideRouter, withComponentInputBinding, withNavigationErrorHandler } from '@angular/router';
import { provideServiceWorker } from '@angular/service-worker';

import { routes } from './app.routes';
import { AppErrorHandler } from './core/app-error-handler';
import { AppUpdateService } from './core/app-update.service';
import { InstallPromptService } from './core/install-prompt.service';
import { provideGraphQL } from './graphql/graphql.providers';
import { refetchActiveQueriesOnReconnect } from './graphql/refetch-on-reconnect';
import { UploadService } from './upload/upload.service';

export const appConfig: ApplicationConfig = {
  providers: [
    provideZonelessChangeDetection(),
    provideBrowserGlobalErrorListeners(),
    { provide: ErrorHandler, useClass: AppErrorHandler },
    provideRouter(
      routes,
      withComponentInputBinding(),
      // A lazy page that fails to load (offline, or removed by a new deployment) reaches the
      // global handler, which offers a reload.
      withNavigationErrorHandler((navigationError) => inject(ErrorHandler).handleError(navigationError.error)),
    ),
    provideGraphQL(),
    provideServiceWorker('ngsw-worker.js', {
      enabled: !isDevMode(),
      registrationStrategy: 'registerImmediately',
    }),
    provideAppInitializer(() => inject(AppUpdateService).start()),
    // The browser offers installation once per page load, possibly before the first render.
    provideAppInitializer(() => void inject(InstallPromptService)),
    provideAppInitializer(refetchActiveQueriesOnReconnect),
    // Files chosen before a reload or while offline wait in IndexedDB. Restoring them must not
    // delay the first render, so the initializer does not wait for it.
    provideAppInitializer(() => void inject(UploadService).restore()),
  ],
};
