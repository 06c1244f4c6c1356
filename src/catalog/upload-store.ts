import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { isoNow, systemClock, type Clock } from '../shared/clock.ts';
import { DomainError } from '../shared/errors.ts';
import { formatOf, type SourceFormat } from './import/source-reader.ts';

/** A file uploaded through the console, waiting to be loaded into a dataset. */
export interface Upload {
  readonly id: string;
  readonly tenantId: string;
  /** The name the file had on the admin's disk, for messages and the audit log. */
  readonly filename: string;
  readonly format: SourceFormat;
  readonly bytes: number;
  readonly createdAt: string;
  /** Where it is stored: `<dir>/<id><extension>`. */
  readonly file: string;
}

export type SaveResult = { ok: true; upload: Upload } | { ok: false; reason: 'TOO_LARGE' };

/**
 * How long an upload waits for its confirmation: an admin looks at the inferred types
 * and the sample for minutes, not hours; after that the file is only taking disk space.
 */
export const UPLOAD_TTL_MS = 60 * 60 * 1000;
// Longer names are not file names a person chose; the limit of most file systems.
const MAX_FILENAME = 255;
// 16 random bytes, hex: ids are unguessable, and checked against this before they reach a path.
const ID = /^[0-9a-f]{32}$/;
// What this store writes: `<id><ext>` and `<id>.meta.json`. The sweep touches nothing else.
const OWN_FILE = /^[0-9a-f]{32}\.[a-z.]+$/;
const META = '.meta.json';

/**
 * Staged uploads in one folder of this node: the file as `<id><ext>` and a sidecar
 * `<id>.meta.json` with the tenant, original name and format. Nothing in the database:
 * an upload lives on the node that received it, for an hour or until it is used.
 */
export function createUploadStore(deps: { dir: string; limitBytes: number; clock?: Clock }) {
  const { dir, limitBytes } = deps;
  const clock = deps.clock ?? systemClock;
  const paths = (id: string, ext: string) => ({
    file: path.join(dir, `${id}${ext}`),
    meta: path.join(dir, `${id}${META}`),
  });

  async function remove(id: string): Promise<void> {
    if (!ID.test(id)) return;
    const names = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => n.startsWith(`${id}.`)).map((n) => rm(path.join(dir, n), { force: true })));
  }

  return {
    limitBytes,

    /**
     * Stores an upload's bytes from `body`, refusing a file type the import can't read
     * (INVALID_INPUT) and a file above the limit (TOO_LARGE, nothing kept). A body
     * refused for its size is drained, not destroyed, so that the 413 reaches the client.
     */
    async save(tenantId: string, filename: string, body: Readable, declaredBytes?: number): Promise<SaveResult> {
      const name = path.basename(filename.replace(/\\/g, '/')).trim();
      // eslint-disable-next-line no-control-regex -- control characters are what is refused
      if (!name || name.length > MAX_FILENAME || /[\u0000-\u001f]/.test(name)) {
        throw new DomainError(
          'INVALID_INPUT',
          `filename must be a file name of 1 to ${MAX_FILENAME} characters, ` +
            `got ${JSON.stringify(filename.slice(0, 100))}`,
        );
      }
      const format = formatOf(name);
      if (format === null) {
        throw new DomainError(
          'INVALID_INPUT',
          `"${name}" is not a file type datagate reads: upload a .csv, .json, .ndjson or .jsonl file`,
        );
      }
      if (declaredBytes !== undefined && declaredBytes > limitBytes) {
        body.resume();
        return { ok: false, reason: 'TOO_LARGE' };
      }
      await mkdir(dir, { recursive: true });
      const id = randomBytes(16).toString('hex');
      const ext = path.extname(name).toLowerCase();
      const target = paths(id, ext);
      const out = await open(target.file, 'wx');
      let bytes = 0;
      let tooLarge = false;
      try {
        // Left alive when the loop stops early: the rest of the body is drained below.
        for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
          bytes += chunk.length;
          if (bytes > limitBytes) {
            tooLarge = true;
            break;
          }
          await out.write(chunk);
        }
      } catch (e) {
        await out.close();
        await rm(target.file, { force: true });
        throw e;
      }
      await out.close();
      if (tooLarge) {
        await rm(target.file, { force: true });
        body.resume();
        return { ok: false, reason: 'TOO_LARGE' };
      }
      const upload: Upload = {
        id,
        tenantId,
        filename: name,
        format,
        bytes,
        createdAt: isoNow(clock),
        file: target.file,
      };
      await writeFile(target.meta, JSON.stringify({ ...upload, file: path.basename(target.file) }));
      return { ok: true, upload };
    },

    /** The tenant's upload with this id; NOT_FOUND when it is another tenant's, used, or expired. */
    async get(tenantId: string, id: string): Promise<Upload> {
      const missing = () =>
        new DomainError(
          'NOT_FOUND',
          `No upload "${id.slice(0, 64)}" in this account: uploads are kept for an hour or until they are ` +
            `loaded; upload the file again`,
        );
      if (!ID.test(id)) throw missing();
      const { meta } = paths(id, '');
      let text: string;
      let age: number;
      try {
        text = await readFile(meta, 'utf8');
        age = clock.now() - (await stat(meta)).mtimeMs;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw missing();
        throw e;
      }
      let saved: Upload;
      try {
        saved = JSON.parse(text) as Upload;
      } catch {
        // A sidecar cut short (a crash while writing it): the upload is unusable.
        throw missing();
      }
      if (saved.tenantId !== tenantId) throw missing();
      if (age > UPLOAD_TTL_MS) {
        await remove(id);
        throw missing();
      }
      return { ...saved, file: path.join(dir, path.basename(saved.file)) };
    },

    /** Deletes an upload's file and sidecar (after it was loaded, or refused). */
    remove,

    /** Deletes uploads older than the TTL, and files a crash left without a sidecar. */
    async sweep(): Promise<void> {
      const names = await readdir(dir).catch(() => [] as string[]);
      const now = clock.now();
      for (const n of names) {
        if (!OWN_FILE.test(n)) continue;
        const p = path.join(dir, n);
        const info = await stat(p).catch(() => null);
        if (info && now - info.mtimeMs > UPLOAD_TTL_MS) await rm(p, { force: true });
      }
    },
  };
}

export type UploadStore = ReturnType<typeof createUploadStore>;
