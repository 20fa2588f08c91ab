import { tearDownTestRun, type TestRun } from './harness/test-run';

/** Removes this run's topics, consumer groups and Redis keys (jest hands over the globals global-setup.ts set). */
export default async function globalTeardown(): Promise<void> {
  const { testRun } = globalThis as { testRun?: TestRun };
  if (testRun !== undefined) await tearDownTestRun(testRun);
}
