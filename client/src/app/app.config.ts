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
import { provideGraphQL } from './graphql/graphql.providers';

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
  ],
};
