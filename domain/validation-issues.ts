import * as v from 'valibot';
import { DomainError } from './errors';

/** One problem with an input: where (a dot path such as `limits.maxOpenOrders`) and what. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** What valibot reports for a value that fails its schema: never empty. */
export type SchemaIssues = readonly [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]];

/**
 * Every issue with its dot path. An issue about the value as a whole has no path: its path is the value's name
 * in parentheses (`what` = 'body' gives `(body)`), so a reader tells it from a field of that name.
 */
export function validationIssues(issues: SchemaIssues, what: string): [ValidationIssue, ...ValidationIssue[]] {
  const toIssue = (issue: v.BaseIssue<unknown>): ValidationIssue => ({ path: v.getDotPath(issue) ?? `(${what})`, message: issue.message });
  const [first, ...rest] = issues;
  return [toIssue(first), ...rest.map(toIssue)];
}

/** The issues on one line, `path: message; path: message`, for an exception, a log line or a dead letter. */
export function describeIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
}

/** VALIDATION_FAILED for a value that fails its schema: the first issue is the message, every issue is in `details.issues`. */
export function validationFailed(issues: SchemaIssues, what: string): DomainError<'VALIDATION_FAILED'> {
  const mapped = validationIssues(issues, what);
  return new DomainError('VALIDATION_FAILED', describeIssues([mapped[0]]), { issues: mapped });
}

/** The value as its schema outputs it, or VALIDATION_FAILED (see validationFailed); `what` names the value, e.g. 'body'. */
export function parseShape<S extends v.GenericSchema>(schema: S, value: unknown, what: string): v.InferOutput<S> {
  const parsed = v.safeParse(schema, value);
  if (parsed.success) return parsed.output;
  throw validationFailed(parsed.issues, what);
}
