import type { ApiKeyRole } from '../domain/api-key';
import type { ServiceEnv } from '../infra/http/context';

/** The typed Hono context of the order API: the shared one plus who the API key authenticated. */
export interface AppEnv {
  Variables: ServiceEnv['Variables'] & {
    accountId: string;
    /** The key's public id (never the key). */
    keyId: string;
    role: ApiKeyRole;
  };
}
