import { up } from '../scripts/stack/stack';
import { loadStackSettings } from '../scripts/stack/settings';
import { newTestRun, setUpTestRun, type TestRun } from './harness/test-run';

/**
 * Brings the real stack up through the project's own stack script before integration tests.
 * Servers already running are reused; servers never provisioned on this machine are built first.
 * The stack is left running afterwards (`npm run stack -- down` stops it; CI does so in a trap).
 *
 * Then gives this run topics, consumer groups and Redis keys of its own (test/harness/test-run.ts): the
 * prefixes go into process.env, which every test file's config (loadConfig) and every process a test
 * starts inherit, so the tests run beside `npm start` and beside another run. global-teardown.ts removes them.
 */
export default async function globalSetup(): Promise<void> {
  await up(loadStackSettings(), (line) => process.stderr.write(`[stack] ${line}\n`));
  const run = newTestRun();
  await setUpTestRun(run);
  Object.assign(process.env, run.env);
  (globalThis as { testRun?: TestRun }).testRun = run;
  process.stderr.write(`[test-run] ${run.id}: Kafka prefix ${run.env.KAFKA_PREFIX}, Redis key prefix ${run.env.REDIS_KEY_PREFIX}\n`);
}
