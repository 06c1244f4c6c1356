// Helpers for the importer's tests (src/catalog/import): source files in a temporary directory, read in two passes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FieldType, Value } from '../../src/catalog/types.ts';
import { ImportError, planImport, readRows } from '../../src/catalog/import/source-reader.ts';
import type { SourcePlan } from '../../src/catalog/import/source-reader.ts';

/** A temporary directory for source files, removed by `cleanup`. */
export function tempFiles() {
  const dir = mkdtempSync(join(tmpdir(), 'datagate-import-'));
  return {
    dir,
    write(name: string, content: string | Buffer): string {
      const file = join(dir, name);
      writeFileSync(file, content);
      return file;
    },
    cleanup(): void {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Plans and reads a file, returning the plan, its field types by name, and all rows. */
export async function load(
  file: string,
  types?: Record<string, FieldType>,
): Promise<{ plan: SourcePlan; types: Record<string, FieldType>; rows: Value[][] }> {
  const plan = await planImport(file, { types });
  const rows: Value[][] = [];
  await readRows(file, plan, (batch) => {
    rows.push(...batch);
  });
  assert.equal(rows.length, plan.rows);
  return { plan, types: Object.fromEntries(plan.fields.map((f) => [f.name, f.type])), rows };
}

/** The ImportError that planning `file` is refused with. */
export async function refusal(file: string, types?: Record<string, FieldType>): Promise<ImportError> {
  try {
    await planImport(file, { types });
  } catch (err) {
    assert.ok(err instanceof ImportError, `expected an ImportError, got ${String(err)}`);
    return err;
  }
  assert.fail(`${file} was accepted`);
}
