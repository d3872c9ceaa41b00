/**
 * Internal: the router of the service given to a server or client.
 *
 * @module
 */

import { isPlainObject } from "./_registry.ts";
import { getRouter, Router } from "./router.ts";

/**
 * The router of `service`: its own, or a new dictionary router for a plain
 * object (only its exposed functions become methods).
 *
 * @throws {TypeError} when `service` is neither a service object nor a plain object.
 */
export function serviceRouter(service: object): Router {
  const router = getRouter(service) ?? (isPlainObject(service) ? new Router(service) : undefined);
  if (router === undefined) {
    throw new TypeError(
      "The service has no router: use @expose on its class, serviceDict(), a plain object or new Router()",
    );
  }
  return router;
}
