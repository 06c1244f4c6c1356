import { startFixture, type Fixture } from './fixture.ts';
import { generate, type GenState } from './generate.ts';
import { check, type Violation } from './oracle.ts';
import { Random } from './random.ts';
import { Wire } from './wire.ts';

export interface FuzzOptions {
  readonly requests: number;
  readonly seed: number;
  /** Defect classes whose requests are not sent (see KNOWN_DEFECT_CLASSES). */
  readonly exclude: readonly string[];
  /** Requests in flight at once. */
  readonly concurrency?: number;
  /** Called as requests are answered, for progress. */
  readonly progress?: (done: number) => void;
}

export interface FoundViolation extends Violation {
  readonly request: string;
  readonly classes: string[];
  readonly status: number | string;
}

export interface FuzzReport {
  readonly requests: number;
  readonly seconds: number;
  /** Answers by status; `no-answer` and `unsent` for the rest. */
  readonly byStatus: Record<string, number>;
  /** Requests by defect class (only the classes tagged). */
  readonly byClass: Record<string, number>;
  readonly violations: FoundViolation[];
  /** Share of answers that were 2xx. */
  readonly success: number;
}

function describe(method: string, path: string, body?: Buffer): string {
  const p = path.length > 160 ? `${path.slice(0, 160)}…(${path.length} chars)` : path;
  const b =
    body === undefined
      ? ''
      : body.length > 400
        ? ` body ${body.length} bytes`
        : ` body ${JSON.stringify(body.toString('utf8'))}`;
  return `${method} ${JSON.stringify(p).slice(1, -1)}${b}`;
}

/** Runs the requests against an already started fixture. */
export async function fuzz(fx: Fixture, opts: FuzzOptions): Promise<FuzzReport> {
  const rng = new Random(opts.seed);
  const state: GenState = { uploads: [] };
  const wire = new Wire(fx.port);
  const byStatus: Record<string, number> = {};
  const byClass: Record<string, number> = {};
  const violations: FoundViolation[] = [];
  let next = 0;
  let done = 0;
  let ok = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < opts.requests) {
      next++;
      const g = generate(rng, fx, state, opts.exclude);
      for (const c of g.classes) byClass[c] = (byClass[c] ?? 0) + 1;
      const a = await wire.send(g.request);
      const status = a.kind === 'answer' ? a.status : a.kind;
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      if (a.kind === 'answer' && a.status >= 200 && a.status < 300) {
        ok++;
        if (g.request.path.startsWith('/admin/api/uploads') && a.status === 201) {
          try {
            const id = (JSON.parse(a.body.toString('utf8')) as { uploadId: string }).uploadId;
            state.uploads.push({ id, nul: g.request.body?.includes(0) ?? false });
          } catch {
            // The oracle reports a body that is not JSON.
          }
        }
      }
      for (const v of check(g.intent, a, fx)) {
        violations.push({
          ...v,
          request: describe(g.request.method, g.request.path, g.request.body),
          classes: [...g.classes],
          status,
        });
      }
      done++;
      opts.progress?.(done);
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, worker));
  } finally {
    wire.close();
  }
  const answered = Object.entries(byStatus)
    .filter(([s]) => /^\d+$/.test(s))
    .reduce((n, [, v]) => n + v, 0);
  return {
    requests: done,
    seconds: (performance.now() - started) / 1000,
    byStatus,
    byClass,
    violations,
    success: answered === 0 ? 0 : ok / answered,
  };
}

/** Starts a fixture server (on this process's DATAGATE_TEST_BACKEND), fuzzes it, stops it. */
export async function fuzzFresh(opts: FuzzOptions): Promise<FuzzReport & { setupSeconds: number }> {
  const t0 = performance.now();
  const fx = await startFixture();
  const setupSeconds = (performance.now() - t0) / 1000;
  try {
    return { ...(await fuzz(fx, opts)), setupSeconds };
  } finally {
    await fx.close();
  }
}

/** The violations grouped by kind and class, each with a count and a few examples. */
export function summarise(violations: readonly FoundViolation[], examples = 3): string[] {
  const groups = new Map<string, FoundViolation[]>();
  for (const v of violations) {
    const k = `${v.kind} [${v.classes.filter((c) => c !== '').join(',') || 'no class'}]`;
    groups.set(k, [...(groups.get(k) ?? []), v]);
  }
  const out: string[] = [];
  for (const [k, vs] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
    out.push(`${vs.length} × ${k}`);
    for (const v of vs.slice(0, examples)) out.push(`    ${v.request} -> ${v.status}: ${v.detail.slice(0, 300)}`);
  }
  return out;
}
