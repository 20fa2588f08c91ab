import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import { architecturePlugin, BOUNDED_FILES } from './lint/import-boundaries.mjs';

// domain/ and workflows/ must stay deterministic and free of I/O: no Node built-ins (bare names by `paths`, `node:`
// names by the pattern, so each import is reported once). What of ours each folder may import is the architecture
// rule's table in lint/import-boundaries.mjs.
const pureRestrictions = {
  'no-restricted-imports': [
    'error',
    {
      paths: builtinModules.map((name) => ({ name, message: 'domain/ and workflows/ may not use Node built-ins.' })),
      patterns: [{ group: ['node:*'], message: 'domain/ and workflows/ may not use Node built-ins.' }],
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', 'coverage/**', 'dist/**', 'web/dist/**', 'terraform/**', '*.config.js', '*.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Workflows, handlers and interface implementations are async by contract, with or without an await.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  { files: ['domain/**/*.ts', 'workflows/**/*.ts'], ignores: ['**/*.test.ts'], rules: pureRestrictions },
  // The import directions of DESIGN.md for production code; tests beside the code may import anything.
  {
    files: BOUNDED_FILES,
    ignores: ['**/*.test.ts'],
    plugins: { architecture: architecturePlugin },
    rules: { 'architecture/import-boundaries': ['error', { root: import.meta.dirname }] },
  },
  // The lint tooling itself is plain JavaScript run by Node, outside the TypeScript project.
  {
    files: ['**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // Tests read arbitrary JSON answers; strict typing of every response body buys nothing there.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
