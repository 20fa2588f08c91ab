import { dirname, relative, resolve, sep } from 'node:path';

/**
 * The import directions of DESIGN.md ("Import direction"), as a lint rule. Each production folder lists what of
 * ours it may import besides its own files: a top-level folder, one file (repository-relative, no extension), or
 * `{ path, typeOnly: true }` for `import type` only. Anything else of ours is refused, test/ and scripts/ included.
 * Folders not listed (test/, bench/, scripts/, lint/) and `*.test.ts` files are not checked (eslint.config.mjs).
 */

/** The workflow's contract (name, signals, queries, input types): the one workflows/ file adapters and services import. */
export const ORDER_CONTRACT = 'workflows/order-contract';

const SERVICE = {
  may: ['domain', 'infra', ORDER_CONTRACT],
  why: 'services import domain/, infra/ and the workflow contract, never each other, workflow code, test/ or scripts/',
};

export const IMPORT_BOUNDARIES = {
  domain: { may: [], why: 'domain/ imports nothing of ours outside domain/' },
  workflows: {
    may: ['domain', { path: 'activities', typeOnly: true }],
    why: 'workflows/ imports domain/, workflows/ and activity types (`import type`) only',
  },
  activities: { may: ['domain', 'infra', ORDER_CONTRACT], why: 'activities/ imports domain/, infra/ and the workflow contract only' },
  infra: {
    may: ['domain', ORDER_CONTRACT],
    why: 'infra/ imports domain/ and the workflow contract only: adapters know no services, processes or workflow code',
  },
  api: SERVICE,
  risk: SERVICE,
  'market-data': SERVICE,
  venue: SERVICE,
  workers: {
    may: ['domain', 'workflows', 'activities', 'api', 'risk', 'market-data', 'venue', 'infra'],
    why: 'composition roots import every production folder, never test/ or scripts/',
  },
};

/** The folders the rule checks, as eslint `files` globs. */
export const BOUNDED_FILES = Object.keys(IMPORT_BOUNDARIES).map((folder) => `${folder}/**/*.ts`);

const withoutExtension = (path) => path.replace(/\.(d\.ts|ts|mts|cts|js|mjs|cjs|json)$/, '');

function allows(entry, target, typeOnly) {
  const path = typeof entry === 'string' ? entry : entry.path;
  if (typeof entry !== 'string' && entry.typeOnly && !typeOnly) return false;
  return target === path || withoutExtension(target) === path || target.startsWith(`${path}/`);
}

/** `import type`, `export type ... from`, or every specifier marked `type` (TypeScript erases the import). */
function isTypeOnly(node) {
  if (node.importKind === 'type' || node.exportKind === 'type') return true;
  const specifiers = node.specifiers ?? [];
  return specifiers.length > 0 && specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type');
}

const importBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforces the import directions between the production folders (DESIGN.md)' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, required: ['root'], additionalProperties: false }],
    messages: { forbidden: '{{folder}}/ may not import {{target}}: {{why}} (DESIGN.md, "Import direction").' },
  },
  create(context) {
    const root = context.options[0].root;
    const file = relative(root, context.filename).split(sep).join('/');
    const folder = file.split('/')[0];
    const boundary = IMPORT_BOUNDARIES[folder];
    if (boundary === undefined || file.startsWith('../')) return {};

    const check = (node, source, typeOnly) => {
      if (source?.type !== 'Literal' || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
      const target = relative(root, resolve(dirname(context.filename), source.value)).split(sep).join('/');
      if (target.startsWith('../')) return; // outside the repository: not one of our modules
      if (target.split('/')[0] === folder) return;
      if (boundary.may.some((entry) => allows(entry, target, typeOnly))) return;
      context.report({ node: source, messageId: 'forbidden', data: { folder, target, why: boundary.why } });
    };

    return {
      ImportDeclaration: (node) => check(node, node.source, isTypeOnly(node)),
      ExportNamedDeclaration: (node) => check(node, node.source, isTypeOnly(node)),
      ExportAllDeclaration: (node) => check(node, node.source, isTypeOnly(node)),
      ImportExpression: (node) => check(node, node.source, false),
      TSImportEqualsDeclaration: (node) => check(node, node.moduleReference.expression, node.importKind === 'type'),
      TSImportType: (node) => check(node, node.argument.type === 'TSLiteralType' ? node.argument.literal : node.argument, true),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require') check(node, node.arguments[0], false);
      },
    };
  },
};

/** The local plugin eslint.config.mjs registers as `architecture`. */
export const architecturePlugin = { meta: { name: 'crypto-oms-architecture' }, rules: { 'import-boundaries': importBoundaries } };
