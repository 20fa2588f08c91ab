import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The import directions of DESIGN.md fail lint: each forbidden direction is one violating import, linted with the
 * project's eslint.config.mjs (lint/lint-text.mjs), and must be refused by the rule that guards it; the allowed
 * directions must pass. The files need not exist: ESLint lints the text as if it were at that path.
 */
const BOUNDARY = 'architecture/import-boundaries';
const BUILTINS = 'no-restricted-imports';

interface Case {
  name: string;
  filePath: string;
  code: string;
  /** The rule that must refuse it; undefined: it must pass both rules. */
  refusedBy?: typeof BOUNDARY | typeof BUILTINS;
}

const importing = (source: string) => `import { probe } from '${source}';\nexport { probe };\n`;
const refused = (name: string, filePath: string, source: string, refusedBy: Case['refusedBy'] = BOUNDARY): Case => ({
  name,
  filePath,
  code: importing(source),
  refusedBy,
});
const allowed = (name: string, filePath: string, code: string): Case => ({ name, filePath, code });

const SERVICES = ['api', 'risk', 'market-data', 'venue'];
const PRODUCTION = ['domain', 'workflows', 'activities', 'infra', ...SERVICES, 'workers'];

const REFUSED: Case[] = [
  refused('domain -> infra', 'domain/probe.ts', '../infra/config'),
  {
    name: 'domain -> infra, even a type',
    filePath: 'domain/probe.ts',
    code: "import type { AppConfig } from '../infra/config';\nexport type { AppConfig };\n",
    refusedBy: BOUNDARY,
  },
  refused('domain -> the workflow contract', 'domain/probe.ts', '../workflows/order-contract'),
  refused('domain -> a service', 'domain/probe.ts', '../venue/matching-engine'),
  refused('domain -> a Node built-in', 'domain/probe.ts', 'node:fs/promises', BUILTINS),
  refused('workflows -> activities, a value', 'workflows/probe.ts', '../activities/order-activities'),
  { name: 'workflows -> activities, a side-effect import', filePath: 'workflows/probe.ts', code: "import '../activities/order-activities';\n", refusedBy: BOUNDARY },
  refused('workflows -> infra', 'workflows/probe.ts', '../infra/temporal/order-workflows'),
  refused('workflows -> a service', 'workflows/probe.ts', '../risk/engine'),
  refused('workflows -> a Node built-in', 'workflows/probe.ts', 'node:crypto', BUILTINS),
  refused('workflows -> a Node built-in by its bare name', 'workflows/probe.ts', 'crypto', BUILTINS),
  refused('infra -> workflow code other than the contract', 'infra/temporal/probe.ts', '../../workflows/order-lifecycle'),
  refused('infra -> activities', 'infra/probe.ts', '../activities/order-activities'),
  refused('infra -> a service', 'infra/kafka/probe.ts', '../../api/app'),
  refused('infra -> a composition root', 'infra/probe.ts', '../workers/shutdown'),
  ...SERVICES.flatMap((from) =>
    SERVICES.filter((to) => to !== from).map((to) => refused(`${from} -> ${to} (services never import each other)`, `${from}/probe.ts`, `../${to}/app`)),
  ),
  refused('a service in a subfolder -> another service', 'market-data/ws/probe.ts', '../../api/api-key-cache'),
  refused('a service -> workflow code', 'risk/probe.ts', '../workflows/order-lifecycle'),
  refused('a service -> activities', 'api/routes/probe.ts', '../../activities/order-activities'),
  refused('a service -> a composition root', 'api/probe.ts', '../workers/shutdown'),
  { name: 'a service re-exporting another', filePath: 'risk/probe.ts', code: "export * from '../api/app';\n", refusedBy: BOUNDARY },
  {
    name: 'a service importing another dynamically',
    filePath: 'venue/probe.ts',
    code: "export const probe = async () => import('../api/app');\n",
    refusedBy: BOUNDARY,
  },
  refused('activities -> a service', 'activities/probe.ts', '../venue/app'),
  refused('activities -> workflow code', 'activities/probe.ts', '../workflows/order-lifecycle'),
  refused('activities -> a composition root', 'activities/probe.ts', '../workers/shutdown'),
  ...PRODUCTION.flatMap((folder) => [
    refused(`${folder} -> test/`, `${folder}/probe.ts`, '../test/harness/system'),
    refused(`${folder} -> scripts/`, `${folder}/probe.ts`, '../scripts/stack/settings'),
  ]),
  refused('production code in a subfolder -> test/', 'market-data/ws/probe.ts', '../../test/harness/ws-test-client'),
];

const ALLOWED: Case[] = [
  allowed(
    'workflows -> activity types, domain and its own folder',
    'workflows/probe.ts',
    [
      "import type { OrderActivities } from '../activities/order-activities';",
      "import { type OrderActivities as Same } from '../activities/order-activities';",
      "import { parseDecimal } from '../domain/decimal';",
      "import { probe } from './order-contract';",
      'export type { OrderActivities, Same };',
      'export { parseDecimal, probe };',
    ].join('\n'),
  ),
  allowed(
    'infra -> domain, the workflow contract and itself',
    'infra/temporal/probe.ts',
    "import { a } from '../../domain/decimal';\nimport { b } from '../../workflows/order-contract';\nimport { c } from '../kafka/topics';\nexport { a, b, c };\n",
  ),
  allowed(
    'a service -> domain, infra, the workflow contract and itself',
    'api/routes/probe.ts',
    "import { a } from '../../domain/order';\nimport { b } from '../../infra/config';\nimport { c } from '../../workflows/order-contract';\nimport { d } from '../app';\nexport { a, b, c, d };\n",
  ),
  allowed('a service -> its own folder from a subfolder', 'market-data/ws/probe.ts', importing('../protocol')),
  allowed(
    'activities -> domain, infra and the workflow contract',
    'activities/probe.ts',
    "import { a } from '../domain/order';\nimport { b } from '../infra/logger';\nimport { c } from '../workflows/order-contract';\nexport { a, b, c };\n",
  ),
  allowed(
    'workers -> every production folder',
    'workers/probe.ts',
    [...PRODUCTION.filter((f) => f !== 'workers').map((f, i) => `import { p${i} } from '../${f}/probe';`), "import { w } from './shutdown';", 'export { p0, p1, p2, p3, p4, p5, p6, p7, w };'].join(
      '\n',
    ),
  ),
  allowed('a unit test beside domain code -> infra and test/', 'domain/probe.test.ts', "import { a } from '../infra/config';\nimport { b } from '../test/harness/system';\nexport { a, b };\n"),
  allowed('an integration test beside a service -> test/', 'venue/probe.integration.test.ts', importing('../test/harness/venue-test-process')),
  allowed('the test harness -> scripts/', 'test/harness/probe.ts', importing('../../scripts/stack/settings')),
  allowed('a benchmark -> test/', 'bench/probe.ts', importing('../test/harness/scratch-topics')),
  allowed('a script -> the workers', 'scripts/probe.ts', importing('../workers/shutdown')),
];

interface Linted {
  filePath: string;
  messages: Array<{ ruleId: string | null; message: string }>;
}

let results: Linted[];

beforeAll(() => {
  const cases = [...REFUSED, ...ALLOWED].map(({ filePath, code }) => ({ filePath, code }));
  const out = execFileSync(process.execPath, [join(__dirname, 'lint-text.mjs')], { input: JSON.stringify(cases), encoding: 'utf8', cwd: join(__dirname, '..') });
  results = JSON.parse(out) as Linted[];
}, 120_000);

const architectureMessages = (index: number) => {
  const linted = results[index]!;
  // A snippet that does not parse would pass for the wrong reason.
  expect(linted.messages.filter((m) => m.ruleId === null)).toEqual([]);
  return linted.messages.filter((m) => m.ruleId === BOUNDARY || m.ruleId === BUILTINS);
};

describe('lint refuses each forbidden import direction', () => {
  it.each(REFUSED.map((c, i) => [c.name, i] as const))('%s', (_name, index) => {
    const messages = architectureMessages(index);
    expect(messages.map((m) => m.ruleId)).toEqual([REFUSED[index]!.refusedBy]);
  });

  it('names the folder, the import and the rule of DESIGN.md it breaks', () => {
    const [message] = architectureMessages(REFUSED.findIndex((c) => c.name === 'api -> risk (services never import each other)'));
    expect(message?.message).toBe(
      'api/ may not import risk/app: services import domain/, infra/ and the workflow contract, never each other, workflow code, test/ or scripts/ (DESIGN.md, "Import direction").',
    );
  });
});

describe('lint accepts the allowed directions', () => {
  it.each(ALLOWED.map((c, i) => [c.name, REFUSED.length + i] as const))('%s', (_name, index) => {
    expect(architectureMessages(index)).toEqual([]);
  });
});
