import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express from 'express';
import type { RequestContext, Viewer } from '../context';
import { AppError } from '../errors/app-error';
import { formatError } from '../graphql/format-error';
import { createLimitsPlugin } from '../graphql/limits/limits.plugin';
import { createSchema } from '../graphql/schema';
import { createServices, type Infrastructure } from '../services';
import { mountBenchProxyRoute } from './bench-proxy-route';
import { currentRequestId, requestScope } from './request-scope';

/** Largest GraphQL request body accepted; image bytes never come this way. */
const GRAPHQL_BODY_LIMIT = '64kb';

export interface RunningApp {
  server: http.Server;
  /** Stops accepting requests, waits for those in flight, then stops Apollo. */
  close(): Promise<void>;
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}

/** Builds the HTTP server: `/graphql`, health and metrics endpoints, and the built PWA when present. */
export async function createApp(infra: Infrastructure): Promise<RunningApp> {
  const { config, logger, orm, storage, metrics } = infra;
  const services = createServices(infra);
  const app = express();
  app.disable('x-powered-by');
  // res.send sets no ETag, because it would hash every GraphQL body and no client revalidates them.
  // Express reads a function as enabled, so files from sendFile and express.static keep their ETags.
  app.set('etag', () => undefined);
  app.set('trust proxy', 'loopback');
  const server = http.createServer(app);

  const apollo = new ApolloServer<RequestContext>({
    schema: await createSchema(),
    csrfPrevention: true,
    // main.ts owns shutdown: it stops jobs, drains HTTP, then closes storage and the database.
    stopOnTerminationSignals: false,
    introspection: true,
    formatError: (formatted, error) => formatError(formatted, error, currentRequestId(), logger),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
      ApolloServerPluginLandingPageDisabled(),
      // No field sets a cache hint, and the plugin makes Apollo wrap every field resolver to track
      // them. `/graphql` sends Cache-Control: no-store itself, as the plugin did.
      ApolloServerPluginCacheControlDisabled(),
      createLimitsPlugin(config),
    ],
  });
  await apollo.start();

  app.use(requestScope);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    try {
      await orm.em.fork().getConnection().execute('select 1');
      await storage.ping();
      res.json({ status: 'ready' });
    } catch (error) {
      logger.warn({ event: 'readiness.failed', err: error });
      res.status(503).json({ status: 'unavailable' });
    }
  });

  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.use(
    '/graphql',
    cors({ origin: [...config.appOrigins], methods: ['GET', 'POST'], maxAge: 600 }),
    express.json({ limit: GRAPHQL_BODY_LIMIT }),
    (_req: express.Request, res: express.Response, next: express.NextFunction) => {
      res.setHeader('cache-control', 'no-store');
      next();
    },
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const requestId = currentRequestId() ?? 'none';
        const em = orm.em.fork();
        const token = bearerToken(req.headers.authorization);
        let viewer: Viewer | null = null;
        let credentialError: AppError | undefined;
        try {
          viewer = token ? await services.auth.authenticate(em, token) : null;
        } catch (error) {
          // A rejected API token: the limits plugin refuses the operation with this error before it runs.
          if (!(error instanceof AppError)) throw error;
          credentialError = error;
        }
        return { requestId, viewer, em, logger: logger.child({ requestId }), services, credentialError };
      },
    }),
  );

  if (config.benchProxyRoute) mountBenchProxyRoute(app, infra, services);

  serveClient(app, config.clientDir);

  return {
    server,
    async close() {
      await apollo.stop();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Serves the PWA build with an index fallback for client routes. The service
 * worker files must never be cached by the browser, or updates stall.
 */
function serveClient(app: express.Express, clientDir: string): void {
  if (!existsSync(path.join(clientDir, 'index.html'))) return;
  const noCache = new Set(['/ngsw.json', '/ngsw-worker.js', '/index.html', '/manifest.webmanifest', '/safety-worker.js']);
  app.use(
    express.static(clientDir, {
      index: false,
      setHeaders(res, filePath) {
        const requestPath = '/' + path.relative(clientDir, filePath).split(path.sep).join('/');
        if (noCache.has(requestPath)) res.setHeader('Cache-Control', 'no-cache');
        else if (/-[A-Z0-9]{8}\.(js|css)$/.test(requestPath)) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      },
    }),
  );
  app.get(/^\/(?!graphql|healthz|readyz|metrics).*/, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(path.join(clientDir, 'index.html'));
  });
}
