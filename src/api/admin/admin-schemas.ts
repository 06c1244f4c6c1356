import { z } from 'zod';
import { DATE_FORMATS } from '../../catalog/index.ts';

// Schemas and figures that several admin route files answer with, so that no route file
// imports another.

/**
 * Rows shown with an upload: enough to see what each column holds and whether the
 * types fit, few enough that the console shows them without paging.
 */
export const SAMPLE_ROWS = 20;

/** The date format a file or source writes dates in, read besides ISO 8601; filters stay ISO 8601. */
export const dateFormatSchema = z
  .enum(DATE_FORMATS)
  .optional()
  .describe(
    'The format the data writes dates in, read besides ISO 8601 (day and month may have one digit; a time may ' +
      'follow, as in DD.MM.YYYY 08:50:28); API filters stay ISO 8601. Default YYYY-MM-DD',
  );

/** What a reload's new fields break: clients of these are answered 409 until they are fixed. */
export const breaksSchema = z
  .array(
    z.object({
      kind: z.enum(['widget', 'scope']),
      id: z.string().describe('The widget, or the dataset or widget the scope is bound to'),
      name: z.string(),
      key: z.object({ id: z.string(), name: z.string() }).optional().describe('For a scope: its key'),
      reason: z.string().describe('Why, naming the field'),
    }),
  )
  .describe('Widgets and key scopes that worked before and no longer do with the new fields (they answer 409)');
