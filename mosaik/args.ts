/**
 * The command line of a mosaik simulator, as mosaik-api-v3 reads it.
 *
 * @module
 */

import { DenomasError } from "../errors.ts";

/** Log levels of `-l/--log-level`, least severe first. */
export const LOG_LEVELS = ["trace", "debug", "info", "warning", "error", "critical"] as const;

/** One of {@linkcode LOG_LEVELS}. */
export type LogLevel = typeof LOG_LEVELS[number];

/** How long `--remote` waits for mosaik by default: 60 s, as mosaik-api-v3. */
export const DEFAULT_REMOTE_TIMEOUT = 60;

/** The parsed command line. */
export interface SimulatorArgs {
  /** Where mosaik listens (or, with `remote`, where to listen for mosaik). */
  readonly hostname: string;
  /** The port of {@linkcode SimulatorArgs.hostname}. */
  readonly port: number;
  /** `-r/--remote`: listen and wait for mosaik to connect. */
  readonly remote: boolean;
  /** `-t/--timeout`: seconds to wait for mosaik in remote mode. */
  readonly timeout: number;
  /** `-l/--log-level`. */
  readonly logLevel: LogLevel;
  /** `-h/--help` was given. */
  readonly help: boolean;
}

/** A command line that cannot be parsed; the message says why. */
export class UsageError extends DenomasError {}

/**
 * The usage text of a simulator's command line.
 *
 * @param program The program name to show.
 * @param description The first line.
 */
export function usage(program: string, description = "Start the simulation service."): string {
  return `${description}

Usage:
    ${program} [options] HOST:PORT

Options:
    HOST:PORT   Connect to this address
    -l LEVEL, --log-level LEVEL
                Log level for simulator (${LOG_LEVELS.join(", ")}) [default: info]
    -r, --remote
                Simulator is to be started on a machine remote from mosaik
    -t TIME, --timeout TIME
                Timeout in seconds for mosaik handshake [default: ${DEFAULT_REMOTE_TIMEOUT}]
`;
}

/**
 * Parses `HOST:PORT` (`[::1]:5555` for IPv6).
 *
 * @throws {UsageError} when there is no host or no valid port.
 */
export function parseHostPort(text: string): { hostname: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text.trim());
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || !(port <= 65535)) {
    throw new UsageError(`Cannot parse "${text}": expected HOST:PORT`);
  }
  return { hostname: match[1] ?? match[2], port };
}

/**
 * Parses a simulator's command line: `[options] HOST:PORT` with
 * `-l/--log-level LEVEL`, `-r/--remote`, `-t/--timeout TIME` and
 * `-h/--help`; `--opt=value` and `-lvalue` work too.
 *
 * @param args The arguments, e.g. `Deno.args`.
 * @throws {UsageError} for an unknown option, a missing value, a bad level
 *   or timeout, or anything but exactly one `HOST:PORT`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { parseSimulatorArgs } from "@denomas/denomas/mosaik";
 *
 * assertEquals(parseSimulatorArgs(["127.0.0.1:5678", "--remote", "-t", "5"]), {
 *   hostname: "127.0.0.1",
 *   port: 5678,
 *   remote: true,
 *   timeout: 5,
 *   logLevel: "info",
 *   help: false,
 * });
 * ```
 */
export function parseSimulatorArgs(args: readonly string[]): SimulatorArgs {
  let address: string | undefined;
  let remote = false;
  let help = false;
  let timeout = DEFAULT_REMOTE_TIMEOUT;
  let logLevel: LogLevel = "info";
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = splitOption(arg);
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = args[++i];
      if (next === undefined) throw new UsageError(`${flag} requires a value`);
      return next;
    };
    switch (flag) {
      case "-r":
      case "--remote":
        if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
        remote = true;
        break;
      case "-h":
      case "--help":
        help = true;
        break;
      case "-l":
      case "--log-level": {
        const level = value().toLowerCase();
        if (!(LOG_LEVELS as readonly string[]).includes(level)) {
          throw new UsageError(
            `Unknown log level "${level}": expected one of ${LOG_LEVELS.join(", ")}`,
          );
        }
        logLevel = level as LogLevel;
        break;
      }
      case "-t":
      case "--timeout": {
        const text = value();
        timeout = Number(text);
        if (text.trim() === "" || !(timeout > 0) || !Number.isFinite(timeout)) {
          throw new UsageError(`--timeout must be a positive number of seconds, got "${text}"`);
        }
        break;
      }
      default:
        if (arg.startsWith("-") && arg !== "-") throw new UsageError(`Unknown option ${flag}`);
        if (address !== undefined) throw new UsageError(`Unexpected argument "${arg}"`);
        address = arg;
    }
  }
  if (help) return { hostname: "", port: 0, remote, timeout, logLevel, help };
  if (address === undefined) throw new UsageError("Missing HOST:PORT");
  return { ...parseHostPort(address), remote, timeout, logLevel, help };
}

/** `--name=value` → `["--name", "value"]`, `-lvalue` → `["-l", "value"]`. */
function splitOption(arg: string): [string, string | undefined] {
  if (arg.startsWith("--")) {
    const eq = arg.indexOf("=");
    return eq < 0 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
  }
  if (arg.startsWith("-") && arg.length > 2 && (arg[1] === "l" || arg[1] === "t")) {
    return [arg.slice(0, 2), arg.slice(2)];
  }
  return [arg, undefined];
}
