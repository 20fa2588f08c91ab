import type { ServiceEnv } from '../infra/http/context';

/** The typed Hono context of the order API: the shared one plus the authenticated account. */
export interface AppEnv {
  Variables: ServiceEnv['Variables'] & {
    accountId: string;
  };
}
