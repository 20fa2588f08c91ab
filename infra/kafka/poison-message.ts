import * as v from 'valibot';
import { describeIssues, validationIssues } from '../../domain/validation-issues';

/**
 * Thrown by a message handler when a message can never be processed (bad JSON, wrong schema, an event that
 * makes no sense). The consumer moves it to the dead-letter topic instead of retrying it forever.
 */
export class PoisonMessageError extends Error {
  override name = 'PoisonMessageError';
  readonly code = 'POISON_MESSAGE';

  constructor(
    readonly reason: string,
    readonly details?: unknown,
  ) {
    super(reason);
  }
}

/** JSON.parse + valibot validation of a message value; anything wrong is a PoisonMessageError. */
export function parseMessage<const TSchema extends v.GenericSchema>(schema: TSchema, value: string): v.InferOutput<TSchema> {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (error) {
    throw new PoisonMessageError(`invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const result = v.safeParse(schema, json);
  if (result.success) return result.output;
  const issues = validationIssues(result.issues, 'message');
  throw new PoisonMessageError(`schema validation failed: ${describeIssues(issues)}`, { issues });
}
