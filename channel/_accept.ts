/**
 * The async iteration every listener shares: the connections it accepts,
 * until it is closed.
 *
 * @module
 */

import type { Conn } from "./transport.ts";

/**
 * Yields what `accept` resolves to while `isClosed()` is false. A failed
 * accept ends the iteration quietly once the listener is closed, and is
 * thrown otherwise.
 */
export async function* acceptUntilClosed(
  accept: () => Promise<Conn>,
  isClosed: () => boolean,
): AsyncGenerator<Conn, void, undefined> {
  while (!isClosed()) {
    let conn: Conn;
    try {
      conn = await accept();
    } catch (error) {
      if (isClosed()) return;
      throw error;
    }
    yield conn;
  }
}
