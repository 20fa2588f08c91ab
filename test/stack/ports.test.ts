import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { freePort, portRange } from '../harness/ports';

/**
 * The ports tests hand to the processes they start lie outside the kernel's ephemeral range, where every outgoing
 * connection of the run takes its local port: a port from there, released for the child to bind, could be taken
 * first (the API then failed to start with EADDRINUSE in CI).
 */
describe('free ports for test processes', () => {
  const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);

  it('are below the ephemeral range, distinct, and bindable', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 50; i += 1) ports.push(await freePort());
    expect(new Set(ports).size).toBe(50);
    for (const port of ports) expect(port).toBeLessThan(low!);
    // Each can be bound at once (the probe released it).
    const servers: Server[] = [];
    try {
      for (const port of ports.slice(0, 5)) {
        const server = createServer();
        servers.push(server);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, '127.0.0.1', resolve);
        });
      }
    } finally {
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    }
  });

  it('picks below the ephemeral range, and leaves the pick to the kernel when there is no room below it', () => {
    expect(portRange({ low: 32_768, high: 60_999 })).toEqual({ from: 20_000, to: 32_768 });
    expect(portRange({ low: 25_000, high: 60_999 })).toEqual({ from: 20_000, to: 25_000 });
    expect(portRange({ low: 1_024, high: 65_535 })).toBeUndefined();
  });
});
