import type { Readable } from 'node:stream';
import type { Catalog, Dataset, Field, FieldType, Upload, UploadStore, Value } from '../catalog/index.ts';
import { DomainError } from '../shared/errors.ts';

/** A staged upload, with its fields as inferred from every record and its first rows. */
export type StageResult =
  { ok: true; upload: Upload; fields: Field[]; sample: Value[][] } | { ok: false; reason: 'TOO_LARGE' };

/** A dataset loaded from an upload, and the upload's file name (for the audit log). */
export interface LoadedUpload {
  readonly dataset: Dataset;
  readonly filename: string;
}

/**
 * Uploads as the console uses them: staged and inspected, then loaded into a new
 * dataset or a reload of one, after which the upload is used up. A file the import
 * refuses stays, so that the admin may retry with other types.
 */
export function createUploadLoading(deps: {
  catalog: { datasets: Pick<Catalog['datasets'], 'get' | 'importFile' | 'inspect'> };
  uploads: UploadStore;
}) {
  const { catalog, uploads } = deps;
  // Uploads being loaded on this node (where they live): a second confirmation of the
  // same upload, a double click, is refused instead of making a second dataset.
  const loading = new Set<string>();

  async function claimed(upload: Upload, load: () => Promise<Dataset>): Promise<LoadedUpload> {
    if (loading.has(upload.id))
      throw new DomainError('CONFLICT', 'This upload is being loaded already; wait for that to finish');
    loading.add(upload.id);
    try {
      const dataset = await load();
      await uploads.remove(upload.id);
      return { dataset, filename: upload.filename };
    } finally {
      loading.delete(upload.id);
    }
  }

  return {
    /** The largest upload, in bytes. */
    limitBytes: uploads.limitBytes,

    /**
     * Stores a file from `body` (expired uploads are swept first) and inspects every
     * record of it; a file the import can't read is deleted and refused. `declaredBytes`
     * (the Content-Length) refuses a file above the limit before any byte is read.
     */
    async stage(
      tenantId: string,
      filename: string,
      body: Readable,
      opts: { declaredBytes?: number; sampleSize: number; dateFormat?: string },
    ): Promise<StageResult> {
      await uploads.sweep();
      const saved = await uploads.save(tenantId, filename, body, opts.declaredBytes);
      if (!saved.ok) return saved;
      const upload = saved.upload;
      let inspected;
      try {
        inspected = await catalog.datasets.inspect(upload.file, {
          sampleSize: opts.sampleSize,
          sourceName: upload.filename,
          dateFormat: opts.dateFormat,
        });
      } catch (e) {
        await uploads.remove(upload.id);
        throw e;
      }
      const fields: Field[] = inspected.plan.fields.map((f, i) => ({ name: f.name, type: f.type, column: `c${i}` }));
      return { ok: true, upload, fields, sample: inspected.sample };
    },

    /** Loads an upload into a new dataset. */
    async create(
      tenantId: string,
      input: {
        uploadId: string;
        name: string;
        description?: string;
        integrationGroup?: string;
        owner: string;
        types?: Record<string, FieldType>;
        dateFormat?: string;
      },
    ): Promise<LoadedUpload> {
      const upload = await uploads.get(tenantId, input.uploadId);
      return claimed(upload, () =>
        catalog.datasets.importFile(tenantId, {
          file: upload.file,
          sourceName: upload.filename,
          name: input.name,
          description: input.description,
          integrationGroup: input.integrationGroup,
          owner: input.owner,
          types: input.types,
          dateFormat: input.dateFormat,
        }),
      );
    },

    /**
     * Replaces a dataset's rows and fields with an upload; an unknown dataset is NOT_FOUND before the upload is looked
     * at.
     */
    async reload(
      tenantId: string,
      datasetId: string,
      input: { uploadId: string; types?: Record<string, FieldType>; dateFormat?: string },
    ): Promise<LoadedUpload> {
      await catalog.datasets.get(tenantId, datasetId);
      const upload = await uploads.get(tenantId, input.uploadId);
      return claimed(upload, () =>
        catalog.datasets.importFile(tenantId, {
          file: upload.file,
          sourceName: upload.filename,
          replaceId: datasetId,
          types: input.types,
          dateFormat: input.dateFormat,
        }),
      );
    },
  };
}

export type UploadLoading = ReturnType<typeof createUploadLoading>;
