/**
 * Log lines of a simulator process.
 *
 * @module
 */

import { LOG_LEVELS, type LogLevel } from "./args.ts";

/**
 * Receives a simulator's log lines. A logger may carry the least severe
 * level it writes as `minLevel`, so that costly messages below it (debug
 * lines that print every request) are never built.
 */
export interface Logger {
  (level: LogLevel, message: string): void;
  /** The least severe level written; without it, every line is built. */
  readonly minLevel?: LogLevel;
}

/** A logger that drops everything. */
export const silentLogger: Logger = Object.assign(() => {}, { minLevel: "critical" as const });

/** Whether `log` writes lines at `level`. */
export function logs(log: Logger, level: LogLevel): boolean {
  return log.minLevel === undefined ||
    LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(log.minLevel);
}

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
