import { z } from 'zod';

// Schemas and figures that several admin route files answer with, so that no route file
// imports another.

/**
 * Rows shown with an upload: enough to see what each column holds and whether the
 * types fit, few enough that the console shows them without paging.
 */
export const SAMPLE_ROWS = 20;

/**
 * What a reload's new fields break: widgets and scopes are answered 409 until they are
 * fixed; a field a key's clients used lately fails their requests that name it.
 */
export const breaksSchema = z
  .array(
    z.object({
      kind: z.enum(['widget', 'scope', 'field']),
      id: z.string().describe('The widget, or the dataset or widget the scope is bound to, or (field) the dataset'),
      name: z.string(),
      key: z
        .object({ id: z.string(), name: z.string() })
        .optional()
        .describe("For a scope: its key; for a field: the key whose clients used it (never the key's secret)"),
      field: z.string().optional().describe('For a field: its name, as the clients used it'),
      uses: z
        .array(z.enum(['filter', 'sort', 'select']))
        .optional()
        .describe('For a field: how the clients used it (filters, _sort, _fields or $filter, $orderby, $select)'),
      lastUsedAt: z.string().optional().describe('For a field: the last time they did, ISO (within the last day)'),
      reason: z.string().describe('Why, naming the field'),
    }),
  )
  .describe(
    'Widgets and key scopes that worked before and no longer do with the new fields (they answer 409), then ' +
      "fields that keys' clients filtered, sorted or selected on in the last day and that the new fields drop " +
      '(or, for a filter, retype)',
  );
