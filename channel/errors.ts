/**
 * The errors of the channel layer, and the text form of an error that
 * travels in an EXCEPTION reply.
 *
 * @module
 */

import { DenomasError } from "../errors.ts";
import { preview } from "../internal/inspect.ts";

export { CodecError } from "../codecs/codec.ts";
export { ShutdownError } from "../errors.ts";

/**
 * The peer answered a request with an EXCEPTION reply.
 *
 * @example Reading a remote failure
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { RemoteException } from "@denomas/denomas/channel";
 *
 * const error = new RemoteException("127.0.0.1:5555", "ValueError: 42\n");
 * assertEquals(error.origin, "127.0.0.1:5555");
 * assertEquals(error.remoteTraceback, "ValueError: 42\n");
 * assertEquals(error.message, "Origin: 127.0.0.1:5555\nValueError: 42\n");
 * ```
 */
export class RemoteException extends DenomasError {
  /** The peer's address, as this side sees it. */
  readonly origin: string;
  /** The peer's error text; its last line is `"<Name>: <message>"`. */
  readonly remoteTraceback: string;

  /**
   * Makes the error for an EXCEPTION reply.
   *
   * @param origin The peer's address, as this side sees it.
   * @param remoteTraceback The error text the peer sent.
   */
  constructor(origin: string, remoteTraceback: string) {
    super(`Origin: ${origin}\n${remoteTraceback}`);
    this.origin = origin;
    this.remoteTraceback = remoteTraceback;
  }

  /**
   * The name of the remote error's type: what precedes `": "` on the last
   * line of {@linkcode RemoteException.remoteTraceback} (Python and denomas
   * both end the text with `"<Type>: <message>"`), e.g. `"LookupError"` or
   * `"aiomas.exceptions.RemoteException"`. `""` when the text has no such line.
   *
   * @example
   * ```ts
   * import { strictEqual as assertEquals } from "node:assert/strict";
   * import { RemoteException } from "@denomas/denomas/channel";
   *
   * const text = "Traceback (most recent call last):\n  ...\nLookupError: Name \"7\" not found\n";
   * assertEquals(new RemoteException("127.0.0.1:5555", text).exceptionType, "LookupError");
   * assertEquals(new RemoteException("127.0.0.1:5555", "KeyboardInterrupt\n").exceptionType, "KeyboardInterrupt");
   * ```
   */
  get exceptionType(): string {
    const text = this.remoteTraceback.trimEnd();
    const last = text.slice(text.lastIndexOf("\n") + 1);
    const colon = last.indexOf(":");
    const type = colon < 0 ? last : last.slice(0, colon);
    return /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(type) ? type : "";
  }
}

/**
 * The connection to a peer is gone: the peer closed it or reset it, or this
 * side closed the channel. Pending calls fail with it and later calls fail at
 * once.
 *
 * @example
 * ```ts
 * import { ok as assert } from "node:assert/strict";
 * import { ConnectionResetError } from "@denomas/denomas/channel";
 *
 * const error = new ConnectionResetError("10.0.0.7:5555", "closed by the peer");
 * assert(error.message.includes("10.0.0.7:5555"));
 * ```
 */
export class ConnectionResetError extends DenomasError {
  /** The peer's address, as this side sees it. */
  readonly peer: string;

  /**
   * Makes the error for a lost connection.
   *
   * @param peer The peer's address, as this side sees it.
   * @param reason What happened, e.g. `"closed by the peer"`.
   * @param options The underlying cause, if any.
   */
  constructor(peer: string, reason: string, options?: ErrorOptions) {
    super(`Connection to ${peer} ${reason}`, options);
    this.peer = peer;
  }
}

/**
 * The peer broke the framing or message protocol: an oversize frame, a
 * truncated frame, an undecodable payload or a message of the wrong shape.
 *
 * @example
 * ```ts
 * import { ok as assert } from "node:assert/strict";
 * import { ProtocolError } from "@denomas/denomas/channel";
 *
 * assert(new ProtocolError("bad frame") instanceof Error);
 * ```
 */
export class ProtocolError extends DenomasError {
  /**
   * Makes the error for a protocol violation.
   *
   * @param message What was expected and what arrived.
   * @param options The underlying cause, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * A connection could not be opened: nothing listens at the address, the
 * address does not resolve, the peer reset the connection during the
 * handshake, or the system refused. The message names the address and the
 * last failure; `cause` is the system's error (e.g.
 * `Deno.errors.ConnectionRefused`). A connect that had a `timeout` and ran
 * out of time rejects with a `TimeoutError` instead, whose `cause` is the
 * last failure; both are {@linkcode DenomasError}s.
 *
 * @example Nothing listens there
 * ```ts
 * import { ok as assert, rejects } from "node:assert/strict";
 * import { ConnectError, openConnection } from "@denomas/denomas/channel";
 *
 * using probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const port = probe.addr.port;
 * probe.close();
 * await rejects(openConnection(["127.0.0.1", port]), (error) => {
 *   assert(error instanceof ConnectError);
 *   assert(error.message.startsWith(`Cannot connect to tcp://127.0.0.1:${port}: `));
 *   assert(error.cause instanceof Deno.errors.ConnectionRefused);
 *   return true;
 * });
 * ```
 */
export class ConnectError extends DenomasError {
  /** The address that was dialled, e.g. `"tcp://127.0.0.1:5555"`. */
  readonly address: string;

  /**
   * Makes the error for `address`.
   *
   * @param address The address that was dialled.
   * @param reason What went wrong, e.g. the system error's message.
   * @param options The underlying cause, e.g. the system error.
   */
  constructor(address: string, reason: string, options?: ErrorOptions) {
    super(`Cannot connect to ${address}: ${reason}`, options);
    this.address = address;
  }
}

/**
 * A reply arrived for a call that is not pending: the caller gave up on it
 * (it timed out or was aborted), or this side never made it. The reply is
 * dropped and the connection stays; the channel reports this to its
 * `onError` hook, since no caller is left to tell.
 *
 * @example
 * ```ts
 * import { strictEqual as assertEquals } from "node:assert/strict";
 * import { LateReplyError } from "@denomas/denomas/channel";
 *
 * const error = new LateReplyError("127.0.0.1:5555", 7, true);
 * assertEquals(error.callId, 7);
 * assertEquals(
 *   error.message,
 *   "Dropped a reply from 127.0.0.1:5555 to call 7, which was given up on (it timed out or was aborted)",
 * );
 * ```
 */
export class LateReplyError extends DenomasError {
  /** The peer's address, as this side sees it. */
  readonly peer: string;
  /** The id the reply carried. */
  readonly callId: unknown;

  /**
   * Makes the error.
   *
   * @param peer The peer's address, as this side sees it.
   * @param callId The id the reply carried.
   * @param givenUp Whether this side made that call and gave up on it.
   */
  constructor(peer: string, callId: unknown, givenUp: boolean) {
    super(
      `Dropped a reply from ${peer} to call ${preview(callId)}, ` +
        (givenUp
          ? "which was given up on (it timed out or was aborted)"
          : "which this side never made"),
    );
    this.peer = peer;
    this.callId = callId;
  }
}

/**
 * Formats an error as the text of an EXCEPTION reply: the JavaScript stack
 * frames (when there are any) and then a Python-style last line
 * `"<Name>: <message>\n"`, which is what Python peers match on.
 *
 * @param error Anything that was thrown.
 * @returns The text, always ending in a newline.
 *
 * @example
 * ```ts
 * import { ok as assert } from "node:assert/strict";
 * import { formatRemoteTraceback } from "@denomas/denomas/channel";
 *
 * const text = formatRemoteTraceback(new RangeError("42"));
 * assert(text.endsWith("RangeError: 42\n"));
 * assert(formatRemoteTraceback("plain").endsWith("Error: plain\n"));
 * ```
 */
export function formatRemoteTraceback(error: unknown): string {
  if (!(error instanceof Error)) return `Error: ${describeThrown(error)}\n`;
  const name = error.name || "Error";
  const message = error.message;
  const last = message === "" ? `${name}\n` : `${name}: ${message}\n`;
  const stack = typeof error.stack === "string" ? error.stack : "";
  const frames = stack.split("\n").filter((line) => /^\s+at /.test(line));
  if (frames.length === 0) return last;
  return `Traceback (most recent call first):\n${frames.join("\n")}\n${last}`;
}

function describeThrown(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
