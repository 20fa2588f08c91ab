// A process for test-logs.test.ts: prints where its stdout and stderr go (Linux's /proc/self/fd), PRINT_LINES numbered
// lines to stdout, one line to stderr, then "print-lines.done", and exits.
import { readlinkSync } from 'node:fs';

process.stdout.write(`print-lines.stdout-is ${readlinkSync('/proc/self/fd/1')}\nprint-lines.stderr-is ${readlinkSync('/proc/self/fd/2')}\n`);
const count = Number(process.env.PRINT_LINES ?? '0');
const pad = 'x'.repeat(100);
for (let i = 0; i < count; i += 1) process.stdout.write(`line ${i} ${pad}\n`);
process.stderr.write('print-lines.stderr\n');
process.stdout.write('print-lines.done\n');
