import fs from 'node:fs';

/** The word that about 4 % of summaries contain, for the contains query (Q2). */
export const Q2_WORD = 'firewall';

/**
 * A contains word that 1 row in 1,000 has (the summaries numbered `#421`), for a filter
 * selective enough to show what an index on the column is worth.
 */
export const SELECTIVE_WORD = '#421';

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

/** Writes the benchmark's tickets CSV: `rows` rows, deterministic. */
export async function writeTicketsCsv(file: string, rows: number): Promise<void> {
  const out = fs.createWriteStream(file);
  const write = (s: string) =>
    out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
  await write('id,summary,board,status,priority,hours,is_billable,created_at,closed_date,company\n');
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const start = Date.UTC(2021, 0, 1);
  let buf = '';
  for (let i = 1; i <= rows; i++) {
    const created = start + Math.floor(rnd() * 4 * 365 * 86_400) * 1000;
    const status = STATUSES[Math.floor(rnd() * STATUSES.length)];
    // 1 row in 25 mentions the firewall: the 4 % the contains query finds.
    const summary =
      i % 25 === 0
        ? `Firewall rule blocks ${ISSUES[i % ISSUES.length].toLowerCase()}`
        : `${ISSUES[Math.floor(rnd() * ISSUES.length)]} #${i % 1000}`;
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
