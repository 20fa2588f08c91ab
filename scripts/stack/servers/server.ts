import { join } from 'node:path';
import type { Say } from '../progress';
import type { StackSettings } from '../settings';

export type ServerName = 'temporal' | 'kafka' | 'redis' | 'mongo';

export interface ServerContext {
  readonly settings: StackSettings;
  readonly say: Say;
}

/** How to run a server in the foreground; the stack detaches it and records its pid. */
export interface LaunchSpec {
  readonly command: string;
  readonly args: readonly string[];
  /** A string that appears in the running process's command line, proving a pid is still ours. */
  readonly marker: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** One real server of the local stack: how to provision, start, probe and configure it. */
export interface StackServer {
  readonly name: ServerName;
  readonly version: string;
  /** Tools the install step needs, with a hint on how to get each. */
  readonly installTools: ReadonlyArray<{ command: string; hint: string }>;
  /** Said before a long install so nobody mistakes it for a hang. */
  readonly installNote?: string;
  readonly startTimeoutMs: number;
  port(settings: StackSettings): number;
  address(settings: StackSettings): string;
  isInstalled(settings: StackSettings): boolean;
  install(ctx: ServerContext, logFile: string): Promise<void>;
  /** Writes config files, formats storage: whatever must exist before the process starts. */
  prepare(ctx: ServerContext): Promise<void>;
  launch(settings: StackSettings): LaunchSpec;
  healthy(settings: StackSettings): Promise<boolean>;
  /** Runs after the server is healthy, on every `up`: idempotent (search attributes, topics). */
  configure(ctx: ServerContext): Promise<void>;
}

export function serverDataDir(settings: StackSettings, name: ServerName): string {
  return join(settings.dataDir, name);
}

export function serverLogFile(settings: StackSettings, name: ServerName): string {
  return join(settings.dataDir, 'logs', `${name}.log`);
}

export function serverPidFile(settings: StackSettings, name: ServerName): string {
  return join(settings.dataDir, 'run', `${name}.pid`);
}

export function installLogFile(settings: StackSettings, name: ServerName): string {
  return join(settings.cacheDir, 'logs', `install-${name}.log`);
}
