/**
 * The one kit for waiting in denomas: {@linkcode abortable},
 * {@linkcode delay}, {@linkcode deadline} and {@linkcode retry}. Every race
 * of a promise against a timer or a signal in the library goes through it,
 * so cancellation always rejects with `signal.reason` and every time limit
 * rejects with the one {@linkcode TimeoutError}.
 *
 * Modelled on Deno std's `async/abortable.ts`, `deadline.ts`, `delay.ts` and
 * `retry.ts`.
 *
 * @module
 */

import { TimeoutError } from "../errors.ts";

/**
 * Waits for `promise`, or rejects with `signal.reason` as soon as `signal`
 * aborts. The promise itself is not cancelled: a result that arrives later is
 * ignored.
 *
 * @param promise What to wait for.
 * @param signal Gives up; without one, `promise` is returned as it is.
 * @returns The promise's value.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then((value) => {
      signal.removeEventListener("abort", onAbort);
      resolve(value);
    }, (error) => {
      signal.removeEventListener("abort", onAbort);
      reject(error);
    });
  });
}

/** Options of {@linkcode delay}. */
export interface DelayOptions {
  /** Ends the wait early: the promise rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/**
 * Resolves after `ms` milliseconds of real time.
 *
 * @param ms How long to wait.
 * @param options A signal to give up.
 * @returns Resolves after the delay; rejects with `signal.reason` on abort.
 */
export function delay(ms: number, options: DelayOptions = {}): Promise<void> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * A signal that aborts when `signal` does, or after `ms` milliseconds with a
 * {@linkcode TimeoutError} naming `operation` as its reason. Built from
 * `AbortSignal.timeout` and `AbortSignal.any`, so it holds no timer of its
 * own to clear.
 *
 * @param operation What is limited, for the error, e.g. `"connect to tcp://h:1"`.
 * @param ms The limit; `undefined`, `0` or `Infinity` sets none.
 * @param signal The caller's signal, if any.
 * @returns The combined signal (`signal` itself when there is no limit).
 * @throws {RangeError} when `ms` is not a number.
 */
export function deadline(
  operation: string,
  ms: number | undefined,
  signal?: AbortSignal,
): AbortSignal | undefined {
  if (ms === undefined || ms <= 0 || ms === Infinity) return signal;
  if (typeof ms !== "number" || Number.isNaN(ms)) {
    throw new RangeError(`The time limit of ${operation} must be milliseconds, got ${ms}`);
  }
  const expiry = new AbortController();
  AbortSignal.timeout(ms).addEventListener(
    "abort",
    () => expiry.abort(new TimeoutError(operation, ms)),
    { once: true },
  );
  return signal === undefined ? expiry.signal : AbortSignal.any([signal, expiry.signal]);
}

/** Options of {@linkcode retry}: exponential backoff between attempts. */
export interface RetryOptions {
  /**
   * The first pause, in milliseconds.
   *
   * @default {10}
   */
  readonly minDelay?: number;
  /**
   * The longest pause, in milliseconds.
   *
   * @default {1000}
   */
  readonly maxDelay?: number;
  /**
   * What each pause is multiplied by.
   *
   * @default {2}
   */
  readonly multiplier?: number;
  /**
   * The random share taken off each pause (0 to 1), so many clients that
   * failed together do not retry together.
   *
   * @default {0}
   */
  readonly jitter?: number;
  /**
   * Whether a failure is worth another attempt; others reject at once.
   *
   * @default {() => true}
   */
  readonly isRetriable?: (error: unknown) => boolean;
  /**
   * Ends the retrying (e.g. a {@linkcode deadline}): the promise rejects
   * with `signal.reason`; a {@linkcode TimeoutError} reason gets the last
   * failure as its `cause`.
   */
  readonly signal?: AbortSignal;
}

/** The defaults of {@linkcode RetryOptions}. */
export const RETRY_DEFAULTS: Required<Omit<RetryOptions, "signal">> = {
  minDelay: 10,
  maxDelay: 1_000,
  multiplier: 2,
  jitter: 0,
  isRetriable: () => true,
};

/**
 * Calls `attempt` until it succeeds, a failure is not retriable, or
 * `options.signal` aborts; pauses grow from `minDelay` to `maxDelay`.
 *
 * @param attempt One try; it gets the signal to pass on.
 * @param options Backoff, which failures to retry, and when to stop.
 * @returns The first successful result.
 */
export async function retry<T>(
  attempt: (signal: AbortSignal | undefined) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const { minDelay, maxDelay, multiplier, jitter, isRetriable } = { ...RETRY_DEFAULTS, ...options };
  const { signal } = options;
  let pause = minDelay;
  let last: unknown;
  for (;;) {
    try {
      if (signal?.aborted) throw signal.reason;
      return await abortable(attempt(signal), signal);
    } catch (error) {
      if (signal?.aborted) {
        throw giveUp(signal.reason, last ?? (error === signal.reason ? undefined : error));
      }
      if (!isRetriable(error)) throw error;
      last = error;
    }
    try {
      await delay(pause * (1 - jitter * Math.random()), { signal });
    } catch {
      throw giveUp(signal!.reason, last);
    }
    pause = Math.min(pause * multiplier, maxDelay);
  }
}

/** The reason to reject with; a timeout learns the last failure. */
function giveUp(reason: unknown, last: unknown): unknown {
  if (reason instanceof TimeoutError && reason.cause === undefined && last !== undefined) {
    return new TimeoutError(reason.operation, reason.timeout, { cause: last });
  }
  return reason;
}

/**
 * Calls `fn` and returns its result as a promise; a synchronous throw (a
 * bad argument found before any waiting) becomes a rejection, so a promise
 * API never throws at its caller.
 *
 * @param fn Does the work; may throw or return a value or a promise.
 * @returns The result, or a rejection with what `fn` threw.
 */
export function asPromise<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}
