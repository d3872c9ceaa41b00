/**
 * The errors every layer shares: {@linkcode DenomasError}, the base of every
 * error denomas throws, and {@linkcode TimeoutError}, the one error for
 * anything that ran out of time.
 *
 * @module
 */

/**
 * The base class of every error denomas throws (aiomas' `AiomasError`), so
 * one `instanceof` tells the library's errors from the application's.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { DenomasError, TimeoutError } from "@denomas/denomas";
 *
 * const error = new TimeoutError("call agents/0/ping", 250);
 * assertEquals(error instanceof DenomasError, true);
 * ```
 */
export class DenomasError extends Error {
  /**
   * Makes the error; its `name` is the class name.
   *
   * @param message What went wrong.
   * @param options The underlying cause, if any.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * An operation did not finish in time: a connect, a call, a TLS handshake, a
 * shutdown's grace period. Every "timed out" in denomas is this class.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { TimeoutError } from "@denomas/denomas";
 *
 * const error = new TimeoutError("connect to tcp://127.0.0.1:5555", 1000);
 * assertEquals(error.message, "connect to tcp://127.0.0.1:5555 timed out after 1000 ms");
 * assertEquals(error.timeout, 1000);
 * ```
 */
export class TimeoutError extends DenomasError {
  /** What timed out, e.g. `"call agents/0/ping"`. */
  readonly operation: string;
  /** The time limit that passed, in milliseconds. */
  readonly timeout: number;

  /**
   * Makes the error.
   *
   * @param what What timed out, e.g. `"call agents/0/ping"`.
   * @param timeout The limit, in milliseconds.
   * @param options The underlying cause, if any (e.g. the last failure).
   */
  constructor(what: string, timeout: number, options?: ErrorOptions) {
    const cause = options?.cause;
    const last = cause instanceof Error ? `; last failure: ${cause.message}` : "";
    super(`${what} timed out after ${Math.round(timeout)} ms${last}`, options);
    this.operation = what;
    this.timeout = timeout;
  }
}

/**
 * Something was shut down: a container, an agent, a server or a connection
 * that stopped taking calls. It is the reason of the abort signals of
 * containers and agents, the error of operations started afterwards, and the
 * EXCEPTION reply of a call that a shutdown cut short (its `cause` is the
 * {@linkcode TimeoutError} of the grace period, when one ran out).
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { DenomasError, ShutdownError } from "@denomas/denomas";
 *
 * const error = new ShutdownError("Container tcp://127.0.0.1:5555 is shut down");
 * assertEquals(error.name, "ShutdownError");
 * assertEquals(error instanceof DenomasError, true);
 * ```
 */
export class ShutdownError extends DenomasError {}

/**
 * Receives what the library notices but cannot throw to a caller: a failed
 * agent task, a refused TLS handshake, an undecodable frame from a peer, a
 * reply to a call that already timed out. Given as `onError` to servers,
 * channels and containers; {@linkcode logError} is the default.
 */
export type ErrorHandler = (error: Error) => void;

/**
 * The default {@linkcode ErrorHandler}: writes one line naming what failed,
 * followed by the stack, to stderr.
 *
 * @param error What went wrong; its message names where.
 *
 * @example
 * ```ts
 * import { logError } from "@denomas/denomas";
 *
 * logError(new Error("Task run() of agent local://demo/0 failed: boom"));
 * ```
 */
export function logError(error: Error): void {
  const stack = typeof error.stack === "string" ? error.stack : "";
  const frames = stack.split("\n").filter((line) => /^\s+at /.test(line)).join("\n");
  let text = `denomas: ${error.name}: ${error.message}`;
  if (frames !== "") text += `\n${frames}`;
  if (error.cause instanceof Error) text += `\nCaused by ${error.cause.stack ?? error.cause}`;
  console.error(text);
}

/**
 * Internal (not re-exported by `mod.ts`): hands `error` to `onError`; a
 * handler that throws is logged with {@linkcode logError}, never fatal, so a
 * faulty hook cannot take a listener or connection down.
 */
export function report(onError: ErrorHandler, error: Error): void {
  try {
    onError(error);
  } catch (failure) {
    logError(failure instanceof Error ? failure : new Error(String(failure)));
  }
}
