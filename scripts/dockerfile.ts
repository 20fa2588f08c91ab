import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './stack/settings';

/** One instruction of a Dockerfile, continuation lines joined. */
export interface DockerInstruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

export interface DockerStage {
  readonly name: string;
  readonly from: string;
  readonly instructions: readonly DockerInstruction[];
}

/**
 * The stages of the repository's Dockerfile, for the checks that run without a Docker engine (scripts/image.test.ts,
 * scripts/stack/docker-compose.test.ts). Enough of the syntax for this file: comments, `\` continuations, FROM ... AS.
 */
export function readDockerfile(path = join(REPO_ROOT, 'Dockerfile')): { readonly args: readonly DockerInstruction[]; readonly stages: readonly DockerStage[] } {
  const instructions: DockerInstruction[] = [];
  let pending: { text: string; line: number } | undefined;
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((raw, index) => {
      const line = raw.trim();
      if (pending === undefined && (line === '' || line.startsWith('#'))) return;
      if (pending !== undefined && line.startsWith('#')) return;
      const text = line.endsWith('\\') ? line.slice(0, -1).trim() : line;
      pending = pending === undefined ? { text, line: index + 1 } : { text: `${pending.text} ${text}`, line: pending.line };
      if (!line.endsWith('\\')) {
        const match = /^(\S+)\s*(.*)$/.exec(pending.text);
        if (match !== null) instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!, line: pending.line });
        pending = undefined;
      }
    });
  const args: DockerInstruction[] = [];
  const stages: { name: string; from: string; instructions: DockerInstruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      stages.push({ from: match?.[1] ?? instruction.args, name: match?.[2] ?? String(stages.length), instructions: [] });
    } else if (stages.length === 0) {
      args.push(instruction);
    } else {
      stages[stages.length - 1]!.instructions.push(instruction);
    }
  }
  return { args, stages };
}

/** The value of an exec-form (JSON array) instruction such as CMD ["node", "dist/workers/api.js"]. */
export function execForm(instruction: DockerInstruction | undefined): string[] | undefined {
  if (instruction === undefined) return undefined;
  const json = instruction.args.replace(/^CMD\s+/, '');
  return json.startsWith('[') ? (JSON.parse(json) as string[]) : undefined;
}
