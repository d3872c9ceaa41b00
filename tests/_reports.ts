/**
 * Collects what an `onError` hook reports (failed tasks, refused TLS
 * handshakes, undecodable frames…), so tests can wait for a report.
 *
 * @module
 */

/** The errors an `onError` hook received, in order. */
export class Reports {
  readonly errors: Error[] = [];
  #waiters: (() => void)[] = [];

  /** Pass as `onError`. */
  readonly push = (error: Error): void => {
    this.errors.push(error);
    for (const wake of this.#waiters.splice(0)) wake();
  };

  /** Resolves with the first report that `match` accepts, once it has arrived. */
  async find(match: (error: Error) => boolean): Promise<Error> {
    for (;;) {
      const found = this.errors.find(match);
      if (found !== undefined) return found;
      await this.#next();
    }
  }

  /** Resolves with the `index`-th report once it has arrived. */
  async nth(index: number): Promise<Error> {
    while (this.errors.length <= index) await this.#next();
    return this.errors[index];
  }

  #next(): Promise<void> {
    return new Promise<void>((resolve) => this.#waiters.push(resolve));
  }
}
