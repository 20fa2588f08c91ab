import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

/**
 * Lints source texts as if they were files of this repository, with the project's own eslint.config.mjs minus
 * the type-aware rules (they need the files on disk and a TypeScript program, and they guard no import).
 * stdin: [{ filePath, code }] (filePath relative to the repository); stdout: [{ filePath, messages: [{ ruleId, message }] }].
 * A separate Node process because Jest's module runtime cannot load the ESM config (lint/architecture.test.ts runs it).
 */
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const cases = JSON.parse(readFileSync(0, 'utf8'));
const eslint = new ESLint({ cwd: root, overrideConfig: [tseslint.configs.disableTypeChecked] });
const results = [];
for (const { filePath, code } of cases) {
  const [result] = await eslint.lintText(code, { filePath, warnIgnored: true });
  results.push({ filePath, messages: (result?.messages ?? []).map(({ ruleId, message }) => ({ ruleId, message })) });
}
process.stdout.write(JSON.stringify(results));
