import { z } from 'zod';

// The query schemas and limits that several admin route files share.

/**
 * The largest listing page: more rows than a console table shows, few enough that a
 * page is one quick query. The console pages through more.
 */
export const MAX_LIST_SIZE = 500;
// The default page: a screenful or two.
const DEFAULT_LIST_SIZE = 100;
// Names and groups are labels on a screen.
export const MAX_NAME = 200;

/** Query of the dataset and widget listings. */
export const listQuery = z.object({
  search: z.string().max(MAX_NAME).optional().describe('Case-insensitive part of the name'),
  group: z.string().max(MAX_NAME).optional().describe('Only this integration group'),
  starred: z.enum(['true', 'false']).optional().describe('"true": only what the signed-in admin starred'),
  sort: z.enum(['modified', 'name']).default('modified'),
  order: z.enum(['asc', 'desc']).optional().describe('Default: desc by modified, asc by name'),
  page: z.coerce.number().int().min(1).default(1),
  size: z.coerce.number().int().min(1).max(MAX_LIST_SIZE).default(DEFAULT_LIST_SIZE),
});

/** The widget listing's query: the listing's, and only the widgets the signed-in admin created. */
export const widgetListQuery = listQuery.extend({
  mine: z.enum(['true', 'false']).optional().describe('"true": only the widgets the signed-in admin created'),
  dataset: z.string().max(64).optional().describe('Only the widgets of this dataset (id)'),
});

/**
 * The ListQuery of a validated listing query for the admin `userId`: an empty search or
 * group filters nothing; `starred` and `mine` name that admin.
 */
export function listOptions(q: z.infer<typeof widgetListQuery>, userId: string) {
  return {
    search: q.search || undefined,
    group: q.group || undefined,
    starredBy: q.starred === 'true' ? userId : undefined,
    createdBy: q.mine === 'true' ? userId : undefined,
    datasetId: q.dataset || undefined,
    sort: q.sort,
    order: q.order ?? (q.sort === 'name' ? ('asc' as const) : ('desc' as const)),
    page: q.page,
    size: q.size,
  };
}

/** Query parameters of a rows request: paging and options, and any filter on a field (the public API's language). */
export const rowsQuery = z.looseObject({
  current: z.string().optional().describe('Page, from 1'),
  size: z.string().optional().describe('Rows per page, up to the server’s largest page'),
  _sort: z.string().optional().describe('Fields, "-" for descending, e.g. "-created,id"'),
  _fields: z.string().optional().describe('Only these fields, e.g. "id,summary"'),
});
