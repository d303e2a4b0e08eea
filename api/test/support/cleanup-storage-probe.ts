import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../../src/config/config';
import { JobRunner } from '../../src/jobs/job-runner';
import type { Logger } from '../../src/logging/logger';
import { Metrics } from '../../src/metrics/metrics';
import { createServices, type Services } from '../../src/services';
import type { ObjectStorage } from '../../src/storage/object-storage';

/**
 * Wraps the real storage adapter and calls `beforeDelete` ahead of each
 * DeleteObjects batch, so a test can pause a job there or stop the store.
 * Every other call goes straight to the real adapter.
 */
export function probeStorage(
  inner: ObjectStorage,
  beforeDelete: (call: number, keys: readonly string[]) => Promise<void>,
): ObjectStorage & { deletedKeys: string[] } {
  let calls = 0;
  const deletedKeys: string[] = [];
  const deleteMany = async (keys: readonly string[]) => {
    calls += 1;
    await beforeDelete(calls, keys);
    await inner.deleteMany(keys);
    deletedKeys.push(...keys);
  };
  return new Proxy(inner as ObjectStorage & { deletedKeys: string[] }, {
    get(target, property) {
      if (property === 'deleteMany') return deleteMany;
      if (property === 'deletedKeys') return deletedKeys;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Creates a latch: `wait()` blocks until `open()`, and `entered` resolves once something waits. */
export function createGate(): { entered: Promise<void>; wait(): Promise<void>; open(): void } {
  let signalEntered!: () => void;
  let release!: () => void;
  const entered = new Promise<void>((resolve) => (signalEntered = resolve));
  const opened = new Promise<void>((resolve) => (release = resolve));
  return {
    entered,
    wait() {
      signalEntered();
      return opened;
    },
    open: () => release(),
  };
}

/** Creates a job runner of its own on the test API's database, with the given storage behind its services. */
export function createProbedRunner(
  sidestep: { config: Config; orm: MikroORM },
  storage: ObjectStorage,
  logger: Logger,
): { runner: JobRunner; services: Services } {
  const metrics = new Metrics();
  const runner = new JobRunner({ config: sidestep.config, logger, orm: sidestep.orm, metrics });
  const services = createServices({ config: sidestep.config, logger, orm: sidestep.orm, storage, metrics, jobs: runner });
  return { runner, services };
}
