import { up } from '../scripts/stack/stack';
import { loadStackSettings } from '../scripts/stack/settings';

/** `npm start`: brings the local stack up (provisioning it on first run) and prints where things are. */
async function main(): Promise<void> {
  const settings = loadStackSettings();
  await up(settings, (line) => console.log(`[stack] ${line}`));
  console.log(`
crypto-oms stack is up
  Temporal UI   http://localhost:${settings.ports.temporalUi}
  Temporal gRPC 127.0.0.1:${settings.ports.temporal}
  Kafka         127.0.0.1:${settings.ports.kafka}
  Redis         redis://127.0.0.1:${settings.ports.redis}
  MongoDB       mongodb://127.0.0.1:${settings.ports.mongo}
stop with: npm run stack -- down`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
