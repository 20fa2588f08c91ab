import type { Context } from 'hono';
import { METHOD_NAME_ALL } from 'hono/router';
import { TrieRouter } from 'hono/router/trie-router';
import type { RouterRoute } from 'hono/types';

/**
 * Which methods a path answers, read off an app's registered routes (middleware, registered for every method, is
 * not a route). HEAD goes with GET (Hono answers it from the GET handler) and OPTIONS with any path that has a route.
 */
export interface AllowedMethods {
  /** The methods the path answers, sorted, HEAD and OPTIONS included; empty when no route has the path. */
  forPath(path: string): readonly string[];
}

/**
 * Built lazily from `routes()` (services add their routes after the factory returns), and again whenever a route
 * was added since: the matcher is cheap, and only unknown method/path pairs ever ask.
 */
export function allowedMethods(routes: () => readonly RouterRoute[]): AllowedMethods {
  let built: { count: number; router: TrieRouter<string> } | undefined;
  const router = (): TrieRouter<string> => {
    const all = routes();
    if (built?.count !== all.length) {
      const fresh = new TrieRouter<string>();
      // Every route under "any method", carrying its own method: one match tells every method the path has.
      for (const route of all) if (route.method !== METHOD_NAME_ALL) fresh.add(METHOD_NAME_ALL, route.path, route.method.toUpperCase());
      built = { count: all.length, router: fresh };
    }
    return built.router;
  };
  return {
    forPath(path) {
      const [matches] = router().match('GET', path);
      const methods = new Set(matches.map(([method]) => method));
      if (methods.size === 0) return [];
      if (methods.has('GET')) methods.add('HEAD');
      methods.add('OPTIONS');
      return [...methods].sort();
    },
  };
}

/**
 * For a request no route answered: OPTIONS on a known path is 204 with `Allow`; another method the path does not
 * have is for `refuse` to answer (405 METHOD_NOT_ALLOWED) with `Allow` set. Undefined when no route has the path (404).
 */
export function answerUnroutedMethod(c: Context, allowed: AllowedMethods, refuse: (c: Context, allow: readonly string[]) => Response): Response | undefined {
  const allow = allowed.forPath(c.req.path);
  if (allow.length === 0) return undefined;
  c.header('Allow', allow.join(', '));
  if (c.req.method === 'OPTIONS') return c.body(null, 204);
  return refuse(c, allow);
}
