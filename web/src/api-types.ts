// The admin API's shapes, named for the console. Every one is taken from the types
// generated from the admin API's OpenAPI document (generated/admin-api.ts, `npm run
// gen:console-types`), so the console can't drift from what the server answers.
import type { paths } from './generated/admin-api.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type Json<T> = T extends { content: { 'application/json': infer J } } ? J : never;

/** The JSON body a route answers with, for its success status (200 unless given). */
export type Answer<P extends keyof paths, M extends Method = 'get', S extends number = 200> = Json<
  Operation<P, M>['responses'][S & keyof Operation<P, M>['responses']]
>;

/** The JSON body a route takes. */
export type RequestBody<P extends keyof paths, M extends Method> = Json<NonNullable<Operation<P, M>['requestBody']>>;

// Session and settings
export type Session = Answer<'/admin/api/session'>;
export type Settings = Answer<'/admin/api/settings'>;

// Keys
export type ApiKey = Answer<'/admin/api/keys/{id}'>;
export type NewApiKey = Answer<'/admin/api/keys', 'post', 201>;
export type KeySecret = Answer<'/admin/api/keys/{id}/secret'>;
/** A bound dataset or widget: its id and name. */
export type Ref = ApiKey['bindings']['datasets'][number];

// Users and the audit log
export type User = Answer<'/admin/api/users'>['users'][number];
export type AuditList = Answer<'/admin/api/audit'>;
export type AuditEntry = AuditList['items'][number];

// Admin tokens
export type AdminToken = Answer<'/admin/api/tokens'>['tokens'][number];
export type NewAdminToken = Answer<'/admin/api/tokens', 'post', 201>;

// Datasets
export type Dataset = Answer<'/admin/api/datasets/{id}'>;
export type DatasetList = Answer<'/admin/api/datasets'>;
export type Field = Dataset['fields'][number];
export type FieldType = Field['type'];

// Every field type once: a type the server adds is a compile error here until it is listed.
const FIELD_TYPE_SET: Record<FieldType, true> = { TEXT: true, NUMBER: true, BOOLEAN: true, DATE: true, DATETIME: true };
export const FIELD_TYPES = Object.keys(FIELD_TYPE_SET) as FieldType[];
export type UploadResult = Answer<'/admin/api/uploads', 'post', 201>;
export type Impact = Answer<'/admin/api/datasets/{id}/impact'>;
export type RowsPage = Answer<'/admin/api/datasets/{id}/rows'>;
/** A date format a file or source may write dates in (read besides ISO 8601). */
export type DateFormat = NonNullable<RequestBody<'/admin/api/datasets/connect/test', 'post'>['dateFormat']>;
// Every date format once, with an example: a format the server adds is a compile error here until it is listed.
const DATE_FORMAT_EXAMPLES: Record<DateFormat, string> = {
  'YYYY-MM-DD': '2023-12-31',
  'MM/DD/YYYY': '12/31/2023',
  'DD/MM/YYYY': '31/12/2023',
  'DD.MM.YYYY': '31.12.2023',
  'DD-MM-YYYY': '31-12-2023',
  'YYYY/MM/DD': '2023/12/31',
};
export const DATE_FORMATS = (Object.keys(DATE_FORMAT_EXAMPLES) as DateFormat[]).map((value) => ({
  value,
  example: DATE_FORMAT_EXAMPLES[value],
}));
// Live datasets
export type ConnectResult = Answer<'/admin/api/datasets/connect', 'post', 201>;
export type SourceTestResult = Answer<'/admin/api/datasets/connect/test', 'post'>;
export type SourceView = Answer<'/admin/api/datasets/{id}/source'>;
export type SourceEditResult = Answer<'/admin/api/datasets/{id}/source', 'patch'>;
export type SyncRun = Answer<'/admin/api/datasets/{id}/history'>['runs'][number];

// Widgets
export type Widget = Answer<'/admin/api/widgets/{id}'>;
export type WidgetList = Answer<'/admin/api/widgets'>;
/** A widget's definition, as POST /widgets/preview takes it (POST /widgets: with a name). */
export type WidgetSpec = RequestBody<'/admin/api/widgets/preview', 'post'>;
export type ChartType = WidgetSpec['chart'];
export type Dimension = NonNullable<WidgetSpec['dimensions']>[number];
export type Measure = NonNullable<WidgetSpec['measures']>[number];
export type Bucket = NonNullable<Dimension['bucket']>;
export type Agg = Measure['agg'];
export type PreviewResult = Answer<'/admin/api/widgets/preview', 'post'>;
export type Column = Widget['columns'][number];

// Usage
export type Usage = Answer<'/admin/api/usage'>;
export type KeyUsage = Usage['keys'][number];
export type UsagePoint = KeyUsage['series'][number];
