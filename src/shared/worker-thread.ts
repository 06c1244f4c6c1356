import { Worker } from 'node:worker_threads';

/**
 * Starts the worker thread whose code is `name`, a module beside the caller (`from`: the
 * caller's `import.meta.url`): in a build, the bundle's own `name.js` entry, which
 * scripts/build.mjs writes next to the chunks; from source (tests, `node --import tsx`),
 * the TypeScript file `name.ts`, loaded through tsx, which Node 20 does not carry into
 * worker threads by itself.
 */
export function startWorkerThread(from: string, name: string, workerData: unknown): Worker {
  if (!from.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, from), { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const file = new URL(`./${name}.ts`, from).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(file)}); });`;
  return new Worker(boot, { eval: true, workerData });
}
