import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Where free ports are picked: below the kernel's ephemeral range (/proc/sys/net/ipv4/ip_local_port_range, 32768-60999
 * by default), from which the kernel also takes the local port of every outgoing connection. A port that listen(0) gave
 * and that was then released for a child process to bind could meanwhile be taken by one of the many loopback client
 * connections of a test run (the API then failed to start with EADDRINUSE in CI). Undefined when the kernel's range
 * leaves no room below it: then the kernel picks, as before.
 */
export function portRange(localRange = readLocalPortRange()): { from: number; to: number } | undefined {
  const from = 20_000;
  const to = Math.min(32_768, localRange?.low ?? 32_768);
  return to - from >= 1_000 ? { from, to } : undefined;
}

function readLocalPortRange(): { low: number; high: number } | undefined {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(low) && Number.isInteger(high) ? { low: low!, high: high! } : undefined;
  } catch {
    return undefined;
  }
}

/** Binds `port` on loopback and releases it: the port it bound (the kernel's pick for 0), or undefined when taken. */
function probe(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : undefined));
    });
  });
}

/** Ports this process handed out: never handed twice, since the process they are for may not have bound them yet. */
const handedOut = new Set<number>();

/** A free TCP port on loopback for a server a test starts: the system's processes, a private stack's servers (see portRange). */
export async function freePort(): Promise<number> {
  const range = portRange();
  for (let attempt = 0; attempt < 500; attempt += 1) {
    const candidate = range === undefined ? 0 : range.from + Math.floor(Math.random() * (range.to - range.from));
    if (handedOut.has(candidate)) continue;
    const port = await probe(candidate);
    if (port !== undefined && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port on 127.0.0.1 after 500 attempts');
}

/** Whether something accepts TCP connections on 127.0.0.1:port (the stack scripts' check). */
export { portOpen } from '../../scripts/stack/processes';
