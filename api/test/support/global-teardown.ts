import { rmSync } from 'node:fs';

interface TestServices {
  postgres: { stop(): Promise<void> };
  s3: { stop(): Promise<void> };
  root: string;
}

export default async function globalTeardown(): Promise<void> {
  const services = (globalThis as { sidestepTestServices?: TestServices }).sidestepTestServices;
  if (!services) return;
  await services.s3.stop();
  await services.postgres.stop();
  rmSync(services.root, { recursive: true, force: true });
}
