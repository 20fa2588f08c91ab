import { Client, Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { isAlive, runningPid } from '../../scripts/stack/processes';
import { serverPidFile, type ServerName } from '../../scripts/stack/servers/server';
import type { StackSettings } from '../../scripts/stack/settings';
import { down, status, up } from '../../scripts/stack/stack';
import { startPrivateStack, type PrivateStack } from '../harness/private-stack';

const quiet = () => undefined;
const NAMES: ServerName[] = ['temporal', 'kafka', 'redis', 'mongo'];

function pidsOf(settings: StackSettings): Record<ServerName, number | undefined> {
  return Object.fromEntries(NAMES.map((name) => [name, runningPid(serverPidFile(settings, name))])) as Record<ServerName, number | undefined>;
}

/**
 * Kills and stops servers, so it runs on a stack of its own (free ports, its own data folder): the shared stack that
 * `npm start` and the other tests use is never touched.
 */
describe('stack lifecycle', () => {
  let stack: PrivateStack;
  let settings: StackSettings;
  const pids = (): Record<ServerName, number | undefined> => pidsOf(settings);

  beforeAll(async () => {
    stack = await startPrivateStack();
    settings = stack.settings;
  }, 240_000);
  afterAll(() => stack?.remove(), 120_000);

  it('reports four healthy servers, and a second `up` reuses every running one', async () => {
    const before = pids();
    await up(settings, quiet);
    expect(pids()).toEqual(before);
    const rows = await status(settings);
    expect(rows.map((r) => [r.server, r.healthy])).toEqual(NAMES.map((name) => [name, true]));
    for (const row of rows) {
      expect(row.pid).toBe(before[row.server]);
      expect(row.data.startsWith(settings.dataDir)).toBe(true);
    }
  }, 120_000);

  it.each(['redis', 'kafka'] as const)('after kill -9 of %s, `up` brings back that server alone', async (victim) => {
    const before = pids();
    process.kill(before[victim]!, 'SIGKILL');
    while (isAlive(before[victim]!)) await new Promise((r) => setTimeout(r, 50));

    await up(settings, quiet);
    const after = pids();
    expect(after[victim]).toBeDefined();
    expect(after[victim]).not.toBe(before[victim]);
    for (const other of NAMES.filter((n) => n !== victim)) expect(after[other]).toBe(before[other]);
    expect((await status(settings)).every((r) => r.healthy)).toBe(true);
  }, 180_000);

  it('`down` stops every server it started, and `up` afterwards keeps the data (a workflow started before is still there)', async () => {
    const workflowId = `stack-persistence-${randomUUID()}`;
    const connect = async () => new Client({ connection: await Connection.connect({ address: `127.0.0.1:${settings.ports.temporal}` }) });
    let client = await connect();
    await client.workflow.start('waitForRelease', { taskQueue: `stack-test-${randomUUID()}`, workflowId });
    await client.connection.close();

    const before = pids();
    await down(settings, quiet);
    for (const name of NAMES) expect(isAlive(before[name]!)).toBe(false);
    expect(Object.values(pids()).every((pid) => pid === undefined)).toBe(true);
    expect((await status(settings)).every((r) => r.pid === null && !r.healthy)).toBe(true);

    await up(settings, quiet);
    client = await connect();
    try {
      const description = await client.workflow.getHandle(workflowId).describe();
      expect(description.status.name).toBe('RUNNING');
      await client.workflow.getHandle(workflowId).terminate('stack test done');
    } finally {
      await client.connection.close();
    }
  }, 240_000);
});
