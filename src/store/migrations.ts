import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/**
 * The control schema, one entry per change, applied in name order at start.
 * Written with Kysely's schema builder only, so that every dialect runs the same list.
 * Times are ISO 8601 text and flags 0/1 integers for the same reason.
 */
const migrations: Record<string, Migration> = {
  '0001_core': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('tenants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('public_api_enabled', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('datasets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('integration_group', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('owner', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('modified_at', 'text', (c) => c.notNull())
        .addColumn('synced_at', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('table_name', 'text', (c) => c.notNull())
        .addColumn('fields', 'text', (c) => c.notNull())
        .addColumn('row_count', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('datasets_tenant').on('datasets').column('tenant_id').execute();
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('rate_limit', 'integer', (c) => c.notNull())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('key_cipher', 'text', (c) => c.notNull())
        .addColumn('key_hint', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema.createIndex('api_keys_tenant').on('api_keys').column('tenant_id').execute();
      await db.schema
        .createTable('bindings')
        .addColumn('key_id', 'text', (c) => c.notNull().references('api_keys.id').onDelete('cascade'))
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('resource_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('bindings_pk', ['key_id', 'resource_type', 'resource_id'])
        .execute();
      await db.schema
        .createIndex('bindings_resource')
        .on('bindings')
        .columns(['resource_type', 'resource_id'])
        .execute();
      await db.schema
        .createTable('meta')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'bigint', (c) => c.notNull())
        .execute();
      await db.insertInto('meta').values({ name: 'generation', value: 0 }).execute();
      await db.schema
        .createTable('retired_tables')
        .addColumn('table_name', 'text', (c) => c.primaryKey())
        .addColumn('retired_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0002_widgets': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('widgets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('dataset_id', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('modified_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('widgets_tenant').on('widgets').column('tenant_id').execute();
    },
  },
  '0003_admin': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        // One account per email across tenants: sign-in needs no tenant picker.
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_sign_in_at', 'text')
        .execute();
      await db.schema.createIndex('users_tenant').on('users').column('tenant_id').execute();
      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('detail', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('ip', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema.createIndex('audit_log_tenant_at').on('audit_log').columns(['tenant_id', 'at']).execute();
      await db.schema
        .createTable('usage_minutes')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        // Epoch minute (ms / 60000): an integer sorts and buckets the same on every dialect.
        .addColumn('minute', 'bigint', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('usage_minutes_pk', ['key_id', 'minute', 'status'])
        .execute();
      await db.schema
        .createIndex('usage_minutes_tenant')
        .on('usage_minutes')
        .columns(['tenant_id', 'minute'])
        .execute();
    },
  },
  '0004_loading_tables': {
    async up(db: Kysely<any>) {
      // SQLite's registry of loads in progress (see dialects/sqlite-tables.ts, `claim`): the
      // process loading each table, so that a starting process drops only the tables of
      // dead ones. PostgreSQL uses advisory locks instead and leaves this empty.
      await db.schema
        .createTable('loading_tables')
        .addColumn('table_name', 'text', (c) => c.primaryKey())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('pid', 'integer', (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0005_removed_keys': {
    async up(db: Kysely<any>) {
      // Usage is history: a removed key's requests stay counted under its name.
      await db.schema
        .createTable('removed_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('removed_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema.createIndex('removed_keys_tenant').on('removed_keys').column('tenant_id').execute();
      // Keys removed before this migration left their usage rows without a name to show.
      await db
        .insertInto('removed_keys')
        .columns(['id', 'tenant_id', 'name', 'removed_at'])
        .expression(
          db
            .selectFrom('usage_minutes')
            .select([
              'key_id',
              'tenant_id',
              sql<string>`'Removed key'`.as('name'),
              sql.lit(new Date().toISOString()).as('removed_at'),
            ])
            .where('key_id', 'not in', db.selectFrom('api_keys').select('id'))
            .groupBy(['key_id', 'tenant_id']),
        )
        .execute();
    },
  },
  '0006_binding_scope': {
    async up(db: Kysely<any>) {
      // A binding's row scope, in the filter language; '' = every row.
      await db.schema
        .alterTable('bindings')
        .addColumn('where', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      // The type of each field the scope names when it was bound: a reload that retypes
      // one makes the scope fail closed, even where its text would still parse.
      await db.schema
        .alterTable('bindings')
        .addColumn('where_types', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
    },
  },
  '0007_key_lifecycle': {
    async up(db: Kysely<any>) {
      // When a key stops working (null: never), whether an admin switched it off, and the
      // previous secret's hash with the end of its grace while a rotation's grace runs.
      await db.schema.alterTable('api_keys').addColumn('expires_at', 'text').execute();
      await db.schema
        .alterTable('api_keys')
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('api_keys').addColumn('prev_key_hash', 'text').execute();
      await db.schema.alterTable('api_keys').addColumn('prev_valid_until', 'text').execute();
    },
  },
  '0008_key_access': {
    async up(db: Kysely<any>) {
      // JSON lists: the networks a key may be used from ([]: any address) and the browser
      // origins that may read its answers ([]: none, no CORS headers).
      await db.schema
        .alterTable('api_keys')
        .addColumn('allow_ips', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
      await db.schema
        .alterTable('api_keys')
        .addColumn('cors_origins', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
    },
  },
  '0009_admin_tokens': {
    async up(db: Kysely<any>) {
      // Admin tokens for scripts: the secret's SHA-256 only (never recoverable), the last four
      // characters to recognise it, and the role it acts with.
      await db.schema
        .createTable('admin_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull().defaultTo('admin'))
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('hint', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema.createIndex('admin_tokens_tenant').on('admin_tokens').column('tenant_id').execute();
    },
  },
  '0010_user_roles': {
    async up(db: Kysely<any>) {
      // Every admin could do everything before roles: existing users become owners.
      await db.schema
        .alterTable('users')
        .addColumn('role', 'text', (c) => c.notNull().defaultTo('owner'))
        .execute();
    },
  },
  '0011_dataset_sources': {
    async up(db: Kysely<any>) {
      // Where a live dataset's rows come from. The URL and headers as given are kept only
      // encrypted with the server secret (`*_cipher`); `*_masked` is what is shown.
      await db.schema
        .createTable('dataset_sources')
        .addColumn('dataset_id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('url_cipher', 'text', (c) => c.notNull())
        .addColumn('url_masked', 'text', (c) => c.notNull())
        .addColumn('headers_cipher', 'text', (c) => c.notNull())
        .addColumn('headers_masked', 'text', (c) => c.notNull())
        .addColumn('query', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('format', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('records_path', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('types', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('schedule', 'text', (c) => c.notNull().defaultTo(''))
        // The next due time of the schedule (null: none); a node claims a due run by
        // moving it forward with a compare-and-set, so each due time runs once.
        .addColumn('next_run_at', 'text')
        .addColumn('last_error', 'text')
        .addColumn('last_error_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('dataset_sources_tenant').on('dataset_sources').column('tenant_id').execute();
      await db.schema.createIndex('dataset_sources_due').on('dataset_sources').column('next_run_at').execute();
      await db.schema
        .createTable('sync_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('dataset_id', 'text', (c) => c.notNull())
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        // running | ok | failed
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('rows', 'bigint')
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('sync_runs_dataset').on('sync_runs').columns(['dataset_id', 'started_at']).execute();
    },
  },
  '0013_favourites_and_widget_owner': {
    async up(db: Kysely<any>) {
      // The datasets and widgets each admin has starred. Tenant beside the user so that a
      // lookup always names both; removing a user, dataset or widget removes its rows.
      await db.schema
        .createTable('favourites')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('resource_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('favourites_pk', ['user_id', 'resource_type', 'resource_id'])
        .execute();
      await db.schema
        .createIndex('favourites_resource')
        .on('favourites')
        .columns(['resource_type', 'resource_id'])
        .execute();
      // Who created a widget: the admin's id (null: before this was recorded, or from the
      // command line) and email as it was then ('' when unknown).
      await db.schema.alterTable('widgets').addColumn('created_by', 'text').execute();
      await db.schema
        .alterTable('widgets')
        .addColumn('owner', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
    },
  },
  '0014_field_uses': {
    async up(db: Kysely<any>) {
      // The fields each key's clients named in filters, `_sort` and `_fields` (or OData's
      // $filter, $orderby, $select) of a dataset, with the last time: what a reload that
      // drops or retypes a field would break for them. One row per key, dataset, use and
      // field; rows not used for two days are deleted.
      await db.schema
        .createTable('field_uses')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('dataset_id', 'text', (c) => c.notNull())
        // filter | sort | select
        .addColumn('use', 'text', (c) => c.notNull())
        .addColumn('field', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('field_uses_pk', ['key_id', 'dataset_id', 'use', 'field'])
        .execute();
      await db.schema.createIndex('field_uses_dataset').on('field_uses').columns(['dataset_id', 'used_at']).execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** The migrations this version of datagate knows, in the order they apply. */
export const KNOWN_MIGRATIONS: readonly string[] = Object.keys(migrations).sort();

/**
 * The database was changed by a newer datagate: it holds migrations this version does
 * not know, so this version could misread it or damage it.
 */
export class SchemaTooNewError extends Error {
  constructor(readonly unknown: readonly string[]) {
    super(
      `the database was migrated by a newer datagate: ${unknown.length === 1 ? 'migration' : 'migrations'} ` +
        `${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} unknown to this version ` +
        `(it knows ${KNOWN_MIGRATIONS[0]} to ${KNOWN_MIGRATIONS.at(-1)}). ` +
        'Run the newer datagate, or restore a backup made by this version.',
    );
  }
}

/** The names of the migrations applied to `db` (none on an empty database). */
export async function appliedMigrations(db: Kysely<any>): Promise<string[]> {
  try {
    const rows = await db.selectFrom('kysely_migration').select('name').orderBy('name').execute();
    return rows.map((r) => r.name as string);
  } catch (e) {
    // SQLite "no such table", PostgreSQL 42P01 "relation does not exist": nothing applied yet.
    if (/no such table|does not exist/.test((e as Error).message)) return [];
    throw e;
  }
}

/** Refuses, with a SchemaTooNewError, a database that holds migrations this version does not know. */
export async function checkNotNewer(db: Kysely<any>): Promise<void> {
  const unknown = (await appliedMigrations(db)).filter((n) => !(n in migrations));
  if (unknown.length > 0) throw new SchemaTooNewError(unknown);
}

/**
 * Brings the control schema up to date, or to the migration named `upTo` (tests of a
 * migration over older data), and gives the names of the migrations it applied; fails
 * with the migration's own error, or a SchemaTooNewError before any change on a database
 * of a newer version.
 */
export async function migrateToLatest(db: Kysely<any>, upTo?: string): Promise<string[]> {
  await checkNotNewer(db);
  const migrator = new Migrator({ db, provider });
  const { error, results } = upTo ? await migrator.migrateTo(upTo) : await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${String((error as Error).message ?? error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
