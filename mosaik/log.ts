/**
 * Log lines of a simulator process.
 *
 * @module
 */

import { LOG_LEVELS, type LogLevel } from "./args.ts";

/** Receives a simulator's log lines. */
export type Logger = (level: LogLevel, message: string) => void;

/** A logger that drops everything. */
export const silentLogger: Logger = () => {};

/**
 * A logger that writes lines at `level` and above to stderr, as
 * `<ISO time> | LEVEL    | message`.
 *
 * @param level The least severe level written.
 *
 * @example
 * ```ts
 * import { stderrLogger } from "@denomas/denomas/mosaik";
 *
 * const log = stderrLogger("error");
 * log("info", "not written");
 * ```
 */
export function stderrLogger(level: LogLevel): Logger {
  const least = LOG_LEVELS.indexOf(level);
  const encoder = new TextEncoder();
  return (lineLevel, message) => {
    if (LOG_LEVELS.indexOf(lineLevel) < least) return;
    const line = `${new Date().toISOString()} | ${
      lineLevel.toUpperCase().padEnd(8)
    } | ${message}\n`;
    Deno.stderr.writeSync(encoder.encode(line));
  };
}
