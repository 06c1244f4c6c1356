import fs from 'node:fs';
import path from 'node:path';

/** A small deterministic generator (mulberry32), so the demo is the same on every machine. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
  };
}

function csvCell(v: string | number | boolean | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes `count` rows, `row(i)` for each i in order, below the header; returns the file. */
function writeCsv(
  file: string,
  header: string[],
  count: number,
  row: (i: number) => (string | number | boolean | null)[],
): string {
  const lines = [header.map(csvCell).join(',')];
  for (let i = 0; i < count; i++) lines.push(row(i).map(csvCell).join(','));
  fs.writeFileSync(file, lines.join('\r\n') + '\r\n');
  return file;
}

const COMPANIES = [
  'Acme Dental',
  'Birch & Co. Law',
  'Northwind Traders',
  'Contoso Logistics',
  'Fabrikam Clinics',
  'Globex Manufacturing',
  'Initech',
  'Umbrella Realty',
  'Vandelay Imports',
  'Wayne Accounting, LLP',
];
const BOARDS = ['Service Desk', 'Projects', 'Alerts', 'Onboarding'];
const STATUSES = ['New', 'In Progress', 'Waiting on Customer', 'Closed'];
const ISSUES = [
  'Printer offline',
  'Outlook keeps asking for password',
  'VPN drops every hour',
  'New user setup',
  'Laptop running slow',
  'Backup job failed',
  'Firewall alert: port scan',
  'Disk space low on file server',
  'Teams calls choppy',
  'Reset MFA for user',
  'Replace UPS battery',
  'License renewal for antivirus',
];
const TECHS = ['Ana Ruiz', 'Ben Okafor', 'Chen Wei', 'Dana Kowalski', null];
const DAY = 86_400_000;
const EPOCH = Date.UTC(2025, 0, 1);

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export interface DemoFile {
  file: string;
  name: string;
  description: string;
  integration: string;
}

/** Writes the demo CSV files into `dir`: tickets, devices and invoices of a small MSP. */
export function writeDemoFiles(dir: string): DemoFile[] {
  const r = prng(42);
  const tickets = writeCsv(
    path.join(dir, 'tickets.csv'),
    [
      'id',
      'summary',
      'board',
      'status',
      'priority',
      'hours',
      'is_billable',
      'created_at',
      'closed_date',
      'company',
      'Assigned To',
    ],
    3000,
    (i) => {
      const created = EPOCH + r.int(0, 600) * DAY + r.int(0, 86_399) * 1000;
      const status = r.pick(STATUSES);
      return [
        // 19-digit ids, as the reference platform issues them: exact 64-bit integers.
        (1534956341424005122n + BigInt(i)).toString(),
        r.pick(ISSUES),
        r.pick(BOARDS),
        status,
        r.int(1, 5),
        Math.round(r.next() * 160) / 4,
        r.next() < 0.7,
        iso(created),
        status === 'Closed' ? date(created + r.int(0, 20) * DAY) : null,
        r.pick(COMPANIES),
        r.pick(TECHS),
      ];
    },
  );
  const devices = writeCsv(
    path.join(dir, 'devices.csv'),
    ['device_id', 'hostname', 'company', 'os', 'type', 'last_seen', 'warranty_expires', 'patched', 'disk_free_gb'],
    2000,
    (i) => {
      const type = r.pick(['Workstation', 'Laptop', 'Server', 'Firewall']);
      return [
        100000 + i,
        `${type.slice(0, 2).toUpperCase()}-${String(i).padStart(4, '0')}`,
        r.pick(COMPANIES),
        r.pick(['Windows 11', 'Windows 10', 'Windows Server 2022', 'macOS 15', 'Ubuntu 24.04']),
        type,
        iso(EPOCH + 600 * DAY + r.int(-30 * 86_400, 0) * 1000),
        date(EPOCH + r.int(-200, 1200) * DAY),
        r.next() < 0.85,
        Math.round(r.next() * 5000) / 10,
      ];
    },
  );
  const invoices = writeCsv(
    path.join(dir, 'invoices.csv'),
    ['invoice_number', 'company', 'invoice_date', 'due_date', 'amount', 'tax', 'paid', 'status', 'currency'],
    2500,
    (i) => {
      const d = EPOCH + r.int(0, 600) * DAY;
      const amount = Math.round(r.next() * 1_200_000) / 100;
      const paid = r.next() < 0.8;
      return [
        `INV-${String(20000 + i)}`,
        r.pick(COMPANIES),
        date(d),
        date(d + 30 * DAY),
        amount,
        Math.round(amount * 8) / 100,
        paid,
        paid ? 'Paid' : r.pick(['Open', 'Overdue']),
        'USD',
      ];
    },
  );
  return [
    {
      file: tickets,
      name: 'Tickets',
      description: 'Service tickets of the last 20 months',
      integration: 'ConnectWise',
    },
    {
      file: devices,
      name: 'Devices',
      description: 'Managed devices with patch and warranty state',
      integration: 'NinjaOne',
    },
    {
      file: invoices,
      name: 'Invoices',
      description: 'Invoices and their payment state',
      integration: 'QuickBooks Online',
    },
  ];
}
