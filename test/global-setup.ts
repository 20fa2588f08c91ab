import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../infra/config';
import { up } from '../scripts/stack/stack';
import { loadStackSettings } from '../scripts/stack/settings';
import { ORDER_PROCESSOR_GROUP, VENUE_REPORT_PROCESSOR_GROUP } from '../workers/order-processor-group';

/**
 * Brings the real stack up through the project's own stack script before integration tests.
 * Servers already running are reused; servers never provisioned on this machine are built first.
 * The stack is left running afterwards (`npm run stack -- down` stops it; CI does so in a trap).
 */
export default async function globalSetup(): Promise<void> {
  await up(loadStackSettings(), (line) => process.stderr.write(`[stack] ${line}\n`));
  await refuseForeignWorkers();
}

/**
 * Tests share the stack's topics. A worker left running (e.g. `npm start`) in the order processor or
 * venue report group would take the tests' orders and reports and act on them with its own database and
 * services: stop early and say so.
 */
async function refuseForeignWorkers(): Promise<void> {
  const admin = new Kafka({ clientId: 'test-setup', brokers: [...loadConfig().kafka.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([ORDER_PROCESSOR_GROUP, VENUE_REPORT_PROCESSOR_GROUP]);
    const busy = groups.filter((g) => g.members.length > 0);
    if (busy.length > 0) {
      const members = busy.flatMap((g) => g.members.map((m) => `${m.clientHost} in ${g.groupId}`));
      throw new Error(
        `${members.length} consumer(s) outside the tests (${members.join(', ')}): ` +
          'stop `npm start` (or any worker) before running the integration tests; they share the stack\'s topics.',
      );
    }
  } finally {
    await admin.disconnect();
  }
}
