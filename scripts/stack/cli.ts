import { down, logs, SERVERS, StackError, status, up } from './stack';
import type { ServerName } from './servers/server';
import { loadStackSettings } from './settings';

const USAGE = `usage: npm run stack -- <up|down|status|logs> [server ...]
  up      provision what is missing, start what is not running, wait until healthy
  down    stop the servers this stack started
  status  table of servers: version, pid, address, health, data folder
  logs    last lines of each server's log (or of the named one); --lines N
servers: ${SERVERS.map((s) => s.name).join(', ')}`;

const say = (line: string) => console.log(`[stack] ${line}`);

function table(rows: Array<Record<string, string>>): string {
  const headers = Object.keys(rows[0] ?? {});
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => (r[h] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(headers.map((h) => r[h] ?? '')))].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const linesFlag = rest.indexOf('--lines');
  const lines = linesFlag >= 0 ? Number(rest.splice(linesFlag, 2)[1]) : 60;
  const names = rest.length > 0 ? (rest as ServerName[]) : undefined;
  const settings = loadStackSettings();
  switch (command) {
    case 'up': {
      const started = Date.now();
      await up(settings, say, names);
      say(`all healthy in ${((Date.now() - started) / 1000).toFixed(1)}s; Temporal UI: http://localhost:${settings.ports.temporalUi}`);
      return 0;
    }
    case 'down':
      await down(settings, say, names);
      return 0;
    case 'status': {
      const rows = await status(settings);
      console.log(
        table(rows.map((r) => ({ server: r.server, version: r.version, pid: r.pid === null ? '-' : String(r.pid), address: r.address, healthy: r.healthy ? 'yes' : 'no', data: r.data }))),
      );
      return rows.every((r) => r.healthy) ? 0 : 1;
    }
    case 'logs':
      console.log(logs(settings, names?.[0], Number.isFinite(lines) ? lines : 60));
      return 0;
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof StackError ? `[stack] ${error.message}` : error);
    process.exit(1);
  },
);
