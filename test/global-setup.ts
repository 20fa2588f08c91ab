import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../infra/config';
import { up } from '../scripts/stack/stack';
import { loadStackSettings } from '../scripts/stack/settings';
import { ORDER_PROCESSOR_GROUP } from '../workers/order-processor-group';

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
 * Tests share the stack's topics. A worker left running (e.g. `npm start`) in the order processor
 * group would take the tests' orders and run them against its own database: stop early and say so.
 */
async function refuseForeignWorkers(): Promise<void> {
  const admin = new Kafka({ clientId: 'test-setup', brokers: [...loadConfig().kafka.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([ORDER_PROCESSOR_GROUP]);
    const members = groups[0]?.members ?? [];
    if (members.length > 0) {
      throw new Error(
        `${members.length} consumer(s) outside the tests are in ${ORDER_PROCESSOR_GROUP} (${members.map((m) => m.clientHost).join(', ')}): ` +
          'stop `npm start` (or any worker) before running the integration tests; they share the stack\'s topics.',
      );
    }
  } finally {
    await admin.disconnect();
  }
}
