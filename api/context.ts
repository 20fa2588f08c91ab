import type { Logger } from '../infra/logger';

/** The typed Hono context of the order API. */
export interface AppEnv {
  Variables: {
    requestId: string;
    logger: Logger;
    accountId: string;
  };
}
