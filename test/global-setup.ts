import { up } from '../scripts/stack/stack';
import { loadStackSettings } from '../scripts/stack/settings';

/**
 * Brings the real stack up through the project's own stack script before integration tests.
 * Servers already running are reused; servers never provisioned on this machine are built first.
 * The stack is left running afterwards (`npm run stack -- down` stops it; CI does so in a trap).
 */
export default async function globalSetup(): Promise<void> {
  await up(loadStackSettings(), (line) => process.stderr.write(`[stack] ${line}\n`));
}
