import type { MiddlewareHandler } from 'hono';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger';

/** The typed Hono context every service shares: a request id and a logger that carries it. */
export interface ServiceEnv {
  Variables: {
    requestId: string;
    logger: Logger;
  };
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Takes the caller's X-Request-Id when it is sane (so a trace spans services), else makes one; echoes it back. */
export function requestContext(logger: Logger): MiddlewareHandler<ServiceEnv> {
  return async (c, next) => {
    const given = c.req.header('X-Request-Id');
    const requestId = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
    c.set('requestId', requestId);
    c.set('logger', logger.child({ requestId }));
    c.header('X-Request-Id', requestId);
    await next();
  };
}
