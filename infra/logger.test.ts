import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

describe('createLogger', () => {
  it('asyncWrites: every line logged before process.exit() reaches stdout, in order', () => {
    // A real process: the lines are written after the logging calls returned, and the exit must not lose them.
    const script = `
      const { createLogger } = require(${JSON.stringify(join(__dirname, 'logger.ts'))});
      const logger = createLogger({ name: 'async-test', level: 'info', asyncWrites: true });
      for (let i = 0; i < 2000; i += 1) logger.info({ i, pad: 'x'.repeat(200) }, 'line');
      process.exit(0);
    `;
    const tsx = join(__dirname, '..', 'node_modules', '.bin', 'tsx');
    const output = execFileSync(tsx, ['-e', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const lines = output.trim().split('\n').map((line) => JSON.parse(line) as { i: number; msg: string; service: string });
    expect(lines.map((line) => line.i)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(lines[0]).toMatchObject({ msg: 'line', service: 'async-test' });
  });
});
