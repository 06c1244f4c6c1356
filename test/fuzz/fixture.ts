import type { AddressInfo } from 'node:net';
import { signedInAdmin } from '../support/admin-client.ts';
import { boundKey, createWidget, fields, importDataset } from '../support/fixtures.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * A real server, listening on 127.0.0.1, over a fresh database of this run's backend,
 * with three tenants:
 * - `default` and `fuzz-beta`: datasets, widgets and keys the public requests use;
 * - `fuzz-gamma`: the tenant of the signed-in admin the admin requests act as (it may
 *   change or delete its own things freely without touching the public side).
 * Every dataset row carries a `marker` column naming its tenant and dataset, so that a
 * row shown to the wrong key, or to the wrong tenant's admin, is seen.
 */

export type FieldType = 'TEXT' | 'NUMBER' | 'BOOLEAN' | 'DATE' | 'DATETIME';

export interface FxDataset {
  readonly id: string;
  readonly tenant: string;
  readonly marker: string;
  readonly fields: readonly { name: string; type: FieldType }[];
  /** Values that occur in the rows, by field, to build filters that match. */
  readonly samples: Record<string, string[]>;
}

export interface FxWidget {
  readonly id: string;
  readonly tenant: string;
  readonly marker: string;
  readonly columns: readonly { label: string; type: FieldType }[];
  /** Reading it runs into a known defect class (see generate.ts), if any. */
  readonly defect?: string;
}

export interface FxKey {
  readonly id: string;
  readonly name: string;
  readonly secret: string;
  readonly tenant: string;
  readonly datasets: ReadonlySet<string>;
  readonly widgets: ReadonlySet<string>;
}

/** A tenant's datasets, widgets and keys, as records (D, W, K) or ids. */
export interface Holdings<D, W, K> {
  readonly datasets: readonly D[];
  readonly widgets: readonly W[];
  readonly keys: readonly K[];
}

/** The public side (tenants default and fuzz-beta): its keys, one of them bound to nothing. */
export interface Fixture extends Holdings<FxDataset, FxWidget, FxKey> {
  readonly t: TestServer;
  readonly baseUrl: string;
  readonly port: number;
  /** The admin, and the admin tenant's own datasets, widgets and keys (free to change). */
  readonly admin: Holdings<string, string, string> & {
    readonly tenant: string;
    readonly cookie: string;
    readonly csrf: string;
    readonly userId: string;
    /** What the admin must never see: other tenants' markers and ids. */
    readonly foreign: readonly string[];
  };
  close(): Promise<void>;
}

const NAMES = ['Chloé', 'Zoë', 'Ørjan', '李雷', "O'Brien", 'Ann, Jr.', 'plain', '', 'null', '%41', 'a\tb', '🙂'];

function ticketsCsv(marker: string, rows: number): string {
  const lines = ['marker,id,name,Real Name,price,active,day,at,note'];
  for (let i = 0; i < rows; i++) {
    const id = (1534956341424005000n + BigInt(i * 7919)).toString();
    const name = NAMES[i % NAMES.length];
    const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
    lines.push(
      [
        marker,
        id,
        q(name),
        q(`Person ${i}`),
        i % 5 === 0 ? '' : (i * 12.5 - 30).toString(),
        i % 3 === 0 ? 'true' : 'false',
        `2023-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`,
        `2023-02-${String((i % 28) + 1).padStart(2, '0')}T08:50:${String(i % 60).padStart(2, '0')}Z`,
        i % 4 === 0 ? '' : q(`note ${i}`),
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

function bigCsv(marker: string): string {
  const lines = ['marker,big'];
  for (let i = 0; i < 12; i++) lines.push(`${marker},${(1500000000000000000n + BigInt(i)).toString()}`);
  return lines.join('\n') + '\n';
}

const TICKET_FIELDS: FxDataset['fields'] = fields({
  marker: 'TEXT',
  id: 'NUMBER',
  name: 'TEXT',
  'Real Name': 'TEXT',
  price: 'NUMBER',
  active: 'BOOLEAN',
  day: 'DATE',
  at: 'DATETIME',
  note: 'TEXT',
});

const TICKET_SAMPLES: FxDataset['samples'] = {
  marker: [],
  id: ['1534956341424005000', '1534956341424012919', '1534956341424005000,1534956341424100000'],
  name: ['chlo', 'CHLOÉ', 'Zoë', 'Jr.', 'plain', ''],
  'Real Name': ['Person 1', 'person'],
  price: ['-30', '12.5,100', ',20', '95'],
  active: ['true', 'false', '1', '0'],
  day: ['2023-01-01', '2023-02-01,2023-06-30', ',2023-03-01'],
  at: ['2023-02-10T08:50:28Z', '2023-02-01,2023-02-10', '2023-02-05 08:00:00'],
  note: ['note', ''],
};

export async function startFixture(env: Record<string, string> = {}): Promise<Fixture> {
  const t = await startTestServer({
    // The fuzzer sends thousands of requests, many with invalid keys: the attempt
    // limit stays in force but high enough not to answer everything with 429.
    DATAGATE_KEY_FAILURE_LIMIT: '1000000',
    DATAGATE_MAX_PAGE_SIZE: '50',
    ...env,
  });
  try {
    const datasets: FxDataset[] = [];
    const widgets: FxWidget[] = [];
    const keys: FxKey[] = [];
    let n = 0;
    const addDataset = async (
      tenantId: string,
      slug: string,
      name: string,
      csv: (m: string) => string,
      fields: FxDataset['fields'],
      samples: FxDataset['samples'],
    ) => {
      const marker = `MRK${slug}${name}`.replace(/[^A-Za-z0-9]/g, '');
      const ds = await importDataset(t, `d${n++}.csv`, csv(marker), name, tenantId);
      const d: FxDataset = {
        id: ds.id,
        tenant: slug,
        marker,
        fields,
        samples: { ...samples, marker: [marker, marker.toLowerCase(), marker.slice(0, 6)] },
      };
      datasets.push(d);
      return d;
    };
    const addWidget = async (tenantId: string, d: FxDataset, name: string, defect?: string) => {
      const spec = defect
        ? {
            name,
            dataset: d.id,
            chart: 'table',
            dimensions: [{ field: 'marker', label: 'Marker' }],
            measures: [
              { agg: 'sum', field: 'big', label: 'Sum' },
              { agg: 'count', label: 'Count' },
            ],
          }
        : {
            name,
            dataset: d.id,
            chart: 'table',
            dimensions: [
              { field: 'marker', label: 'Marker' },
              { field: 'day', label: 'Month', bucket: 'month' },
            ],
            measures: [
              { agg: 'count', label: 'Count' },
              { agg: 'sum', field: 'price', label: 'Sum' },
              { agg: 'avg', field: 'price', label: 'Avg' },
              { agg: 'count_distinct', field: 'name', label: 'Names' },
            ],
            sort: '-Count',
            limit: 100,
          };
      const w = await createWidget(t, spec, tenantId);
      const columns: FxWidget['columns'] = defect
        ? [
            { label: 'Marker', type: 'TEXT' },
            { label: 'Sum', type: 'NUMBER' },
            { label: 'Count', type: 'NUMBER' },
          ]
        : [
            { label: 'Marker', type: 'TEXT' },
            { label: 'Month', type: 'DATE' },
            { label: 'Count', type: 'NUMBER' },
            { label: 'Sum', type: 'NUMBER' },
            { label: 'Avg', type: 'NUMBER' },
            { label: 'Names', type: 'NUMBER' },
          ];
      const fw: FxWidget = { id: w.id, tenant: d.tenant, marker: d.marker, columns, defect };
      widgets.push(fw);
      return fw;
    };
    const addKey = async (tenantId: string, slug: string, name: string, ds: FxDataset[], ws: FxWidget[]) => {
      const k = await boundKey(t, {
        name,
        rateLimit: 1_000_000,
        datasets: ds.map((d) => d.id),
        widgets: ws.map((w) => w.id),
        tenantId,
      });
      const fk: FxKey = {
        id: k.id,
        name,
        secret: k.key,
        tenant: slug,
        datasets: new Set(ds.map((d) => d.id)),
        widgets: new Set(ws.map((w) => w.id)),
      };
      keys.push(fk);
      return fk;
    };

    const bigFields: FxDataset['fields'] = fields({ marker: 'TEXT', big: 'NUMBER' });
    const bigSamples = { big: ['1500000000000000000', '1500000000000000005,', ',1500000000000000003'] };

    // Tenant default (alpha).
    const a = t.tenant;
    const a1 = await addDataset(a.id, 'alpha', 'Tickets', (m) => ticketsCsv(m, 40), TICKET_FIELDS, TICKET_SAMPLES);
    const a2 = await addDataset(a.id, 'alpha', 'Other', (m) => ticketsCsv(m, 15), TICKET_FIELDS, TICKET_SAMPLES);
    const aBig = await addDataset(a.id, 'alpha', 'Big', bigCsv, bigFields, bigSamples);
    const wa1 = await addWidget(a.id, a1, 'By month');
    const wa2 = await addWidget(a.id, a2, 'Other by month');
    const waBig = await addWidget(a.id, aBig, 'Big sum', 'sum-overflow');
    await addKey(a.id, 'alpha', 'alpha-main', [a1, aBig], [wa1, waBig]);
    await addKey(a.id, 'alpha', 'alpha-other', [a2], [wa2]);
    await addKey(a.id, 'alpha', 'alpha-nothing', [], []);
    // An admin in the default tenant, so that setup is done there.
    await signedInAdmin(t, { email: 'fuzz-alpha@alpha.example' });

    // Tenant fuzz-beta.
    const b = await t.modules.access.tenants.ensure('fuzz-beta');
    const b1 = await addDataset(b.id, 'beta', 'Tickets', (m) => ticketsCsv(m, 25), TICKET_FIELDS, TICKET_SAMPLES);
    const wb1 = await addWidget(b.id, b1, 'By month');
    await addKey(b.id, 'beta', 'beta-main', [b1], [wb1]);

    // Tenant fuzz-gamma: the admin's.
    const g = await t.modules.access.tenants.ensure('fuzz-gamma');
    const admin = await signedInAdmin(t, { tenantSlug: 'fuzz-gamma', email: 'fuzz-admin@gamma.example' });
    const g1 = await addDataset(g.id, 'gamma', 'Tickets', (m) => ticketsCsv(m, 20), TICKET_FIELDS, TICKET_SAMPLES);
    const gBig = await addDataset(g.id, 'gamma', 'Big', bigCsv, bigFields, bigSamples);
    const wg1 = await addWidget(g.id, g1, 'By month');
    const wgBig = await addWidget(g.id, gBig, 'Big sum', 'sum-overflow');
    const gk = await boundKey(t, { name: 'gamma-key', datasets: [g1.id], tenantId: g.id });
    const session = (await admin.ok('GET', '/admin/api/session')) as { user: { id: string } };

    await t.server.refresh();
    await t.server.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (t.server.app.server.address() as AddressInfo).port;

    const own = new Set([g1.id, gBig.id, wg1.id, wgBig.id]);
    const foreign = [
      ...datasets.filter((d) => d.tenant !== 'gamma').flatMap((d) => [d.id, d.marker]),
      ...widgets.filter((w) => w.tenant !== 'gamma').map((w) => w.id),
      ...keys.flatMap((k) => [k.id, k.secret]),
    ].filter((s) => !own.has(s));

    return {
      t,
      port,
      baseUrl: `http://127.0.0.1:${port}`,
      datasets: datasets.filter((d) => d.tenant !== 'gamma'),
      widgets: widgets.filter((w) => w.tenant !== 'gamma'),
      keys,
      admin: {
        tenant: 'gamma',
        cookie: admin.cookie,
        csrf: admin.csrf,
        userId: session.user.id,
        datasets: [g1.id, gBig.id],
        widgets: [wg1.id, wgBig.id],
        keys: [gk.id],
        foreign,
      },
      close: () => t.close(),
    };
  } catch (e) {
    await t.close();
    throw e;
  }
}
