import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type express from 'express';
import type { Infrastructure, Services } from '../services';

/** Prefix of the objects the proxy route writes; nothing else uses it. */
export const BENCH_PROXY_PREFIX = 'bench-proxy/';

/**
 * Mounts `PUT /bench/proxy-upload`: the design Sidestep replaces, kept only as
 * the benchmarks' baseline and mounted only when `BENCH_PROXY_ROUTE` is set.
 * The client sends the image to the API, which authenticates the bearer token
 * and streams the body to storage with a presigned PUT. It does the least any
 * proxy must do (no row, no quota, no byte checks), so measurements against it
 * understate what a real proxy costs.
 */
export function mountBenchProxyRoute(app: express.Express, infra: Infrastructure, services: Services): void {
  const { config, logger, orm, storage } = infra;

  app.put('/bench/proxy-upload', async (req, res) => {
    const token = req.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const viewer = token ? await services.auth.authenticate(orm.em.fork(), token) : null;
    if (!viewer) {
      res.status(401).json({ error: 'Send "Authorization: Bearer <token>" from signUp or signIn.' });
      return;
    }

    const contentType = req.headers['content-type'] ?? '';
    const contentLength = Number(req.headers['content-length']);
    if (!config.upload.allowedTypes.includes(contentType)) {
      res.status(415).json({ error: `Content-Type "${contentType}" is not allowed; use one of ${config.upload.allowedTypes.join(', ')}.` });
      return;
    }
    if (!Number.isInteger(contentLength) || contentLength < 1 || contentLength > config.upload.maxBytes) {
      res.status(411).json({ error: `Content-Length must be between 1 and ${config.upload.maxBytes} bytes.` });
      return;
    }

    const key = `${BENCH_PROXY_PREFIX}${randomUUID()}`;
    try {
      const grant = await storage.createUploadGrant({ key, contentType, contentLength, expiresInSeconds: 60 });
      const status = await new Promise<number>((resolve, reject) => {
        const upstream = (grant.url.startsWith('https:') ? https : http).request(grant.url, {
          method: grant.method,
          headers: { ...grant.headers, 'content-length': String(contentLength) },
        });
        upstream.once('response', (response) => {
          response.resume();
          response.once('end', () => resolve(response.statusCode ?? 0));
        });
        upstream.once('error', reject);
        req.once('error', reject);
        req.pipe(upstream);
      });
      if (status !== 200) {
        res.status(502).json({ error: `Storage answered the proxied PUT with status ${status}.` });
        return;
      }
      res.status(201).json({ key, byteSize: contentLength });
    } catch (error) {
      logger.warn({ event: 'bench.proxy_upload_failed', key, err: error });
      if (!res.headersSent) res.status(502).json({ error: 'The proxied upload to storage failed; see the API log.' });
    }
  });
}
