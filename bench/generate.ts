import fs from 'node:fs';

/** The word that about 4 % of summaries contain, for the contains query (Q2). */
export const Q2_WORD = 'firewall';

/**
 * A contains word that 1 row in 1,000 has (the summaries numbered `#421`), for a filter
 * selective enough to show what an index on the column is worth.
 */
export const SELECTIVE_WORD = '#421';

/**
 * A contains word that 1 summary in 1,000 has (those numbered `#777`, prefixed with it):
 * a word as rare as a real search for one incident. Added on 2026-12-07; only those
 * 1,000 summaries changed, every other value is as before, so earlier figures compare.
 */
export const RARE_WORD = 'ransomware';

/** The first and last day of `created_at` (UTC): 2021-01-01 to 2024-12-30, spread evenly. */
export const FIRST_DAY = '2021-01-01';
export const LAST_DAY = '2024-12-30';

const SPAN_S = 4 * 365 * 86_400;

const ISSUES = [
  'Printer offline',
  'Outlook password prompt',
  'VPN drops',
  'New user setup',
  'Laptop slow',
  'Backup job failed',
  'Disk space low',
  'Teams calls choppy',
  'Reset MFA',
  'Replace UPS battery',
  'License renewal',
  'Mapped drive missing',
  'Scanner not working',
  'Wi-Fi unstable',
  'Password expired',
  'Software install request',
  'Monitor flickering',
  'Shared mailbox access',
  'Phone not ringing',
  'Calendar not syncing',
  'Account locked out',
  'Slow internet',
  'Server reboot request',
  'Antivirus alert',
  'Email bounce',
];
const BOARDS = ['Service Desk', 'Projects', 'Alerts', 'Onboarding', 'Network', 'Security', 'Billing', 'Escalations'];
const STATUSES = ['New', 'In Progress', 'Waiting on Customer', 'Scheduled', 'Closed'];

/**
 * How `created_at` runs through the file: `ordered` rises with the row (ids rising with
 * time, as ticket systems export: the first 2023 row is a third into the table), within an
 * hour of its share of the four years; `random` draws each row's date anywhere in them (the
 * generator's only kind before 2026-12-07). The same random draws either way: every other
 * value is the same, and `closed_date` keeps its distance from `created_at`.
 */
export type DateOrder = 'ordered' | 'random';

/** Writes the benchmark's tickets CSV: `rows` rows, deterministic. */
export async function writeTicketsCsv(file: string, rows: number, dates: DateOrder = 'random'): Promise<void> {
  const out = fs.createWriteStream(file);
  const write = (s: string) =>
    out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
  await write('id,summary,board,status,priority,hours,is_billable,created_at,closed_date,company\n');
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const start = Date.parse(`${FIRST_DAY}T00:00:00Z`);
  let buf = '';
  for (let i = 1; i <= rows; i++) {
    const draw = rnd();
    const created =
      dates === 'random'
        ? start + Math.floor(draw * SPAN_S) * 1000
        : start + Math.floor(((i - 1) / rows) * (SPAN_S - 3600) + draw * 3600) * 1000;
    const status = STATUSES[Math.floor(rnd() * STATUSES.length)];
    // 1 row in 25 mentions the firewall: the 4 % the contains query finds; 1 in 1,000
    // (numbered #777) the rare word. The same random draws either way, so that every
    // other column is what it was before the rare word came in.
    const summary =
      i % 25 === 0
        ? `Firewall rule blocks ${ISSUES[i % ISSUES.length].toLowerCase()}`
        : `${i % 1000 === 777 ? 'Ransomware: ' : ''}${ISSUES[Math.floor(rnd() * ISSUES.length)]} #${i % 1000}`;
    const closed =
      status === 'Closed' ? new Date(created + Math.floor(rnd() * 30) * 86_400_000).toISOString().slice(0, 10) : '';
    buf +=
      `${1_000_000_000_000 + i},"${summary}",${BOARDS[i % BOARDS.length]},${status},${1 + Math.floor(rnd() * 5)},` +
      `${Math.round(rnd() * 160) / 4},${rnd() < 0.7},` +
      `${new Date(created).toISOString().replace('.000Z', 'Z')},${closed},"Company ${i % 500}, Inc."\n`;
    if (i % 10_000 === 0) {
      await write(buf);
      buf = '';
    }
  }
  await write(buf);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}
