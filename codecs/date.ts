/**
 * The date serializer of agent containers.
 *
 * @module
 */

import { CodecError } from "./errors.ts";
import type { Serializer } from "./serializers.ts";
import { describeValue } from "../internal/inspect.ts";

/** A date the {@linkcode dateSerializer} writes. */
export type DateLike = Date | Temporal.Instant | Temporal.ZonedDateTime;

/** The type of {@linkcode dateSerializer}: it writes text and reads `Temporal.ZonedDateTime`. */
export interface DateSerializer extends Serializer<DateLike> {
  /** Writes the date as ISO-8601 text with offset. */
  serialize(value: DateLike): string;
  /** Reads ISO-8601 text (no offset means UTC). */
  deserialize(data: unknown): Temporal.ZonedDateTime;
}

const NS_PER_SECOND = 1_000_000_000;
const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d{1,9})?)?)?)?$/;

/**
 * Writes dates as ISO-8601 text with offset, exactly as Python's
 * `datetime.isoformat()` does (`"2026-11-24T15:46:09.954819+00:00"`:
 * microseconds only when not zero, always 6 digits; the offset as
 * `+HH:MM`), and reads such text back as a `Temporal.ZonedDateTime` in the
 * wire's offset (the zone `UTC` for `+00:00`), so microseconds and the offset
 * survive a round trip.
 *
 * It writes `Date`, `Temporal.Instant` (both in UTC) and
 * `Temporal.ZonedDateTime` (in its own offset). Python's datetimes hold
 * microseconds: nanoseconds are cut off, and years outside 1…9999 are a
 * {@linkcode CodecError}. Agent containers register it first (type id 0),
 * as aiomas does with its date serializer; register it yourself with
 * `extraSerializers: [dateSerializer]` on plain RPC connections.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { dateSerializer, MsgPack } from "@denomas/denomas/codecs";
 *
 * const at = Temporal.ZonedDateTime.from("2026-11-24T16:46:09.5+01:00[+01:00]");
 * assertEquals(dateSerializer.serialize(at), "2026-11-24T16:46:09.500000+01:00");
 * assertEquals(dateSerializer.serialize(new Date(Date.UTC(2026, 10, 24))), "2026-11-24T00:00:00+00:00");
 *
 * const codec = new MsgPack([dateSerializer]);
 * const back = codec.decode(codec.encode(at)) as Temporal.ZonedDateTime;
 * assertEquals(back.equals(at), true);
 * ```
 */
export const dateSerializer: DateSerializer = {
  type: [Date, Temporal.Instant, Temporal.ZonedDateTime],
  serialize(value: DateLike): string {
    return formatIsoDate(toZoned(value));
  },
  deserialize(data: unknown): Temporal.ZonedDateTime {
    return parseIsoDate(data);
  },
};

function toZoned(value: DateLike): Temporal.ZonedDateTime {
  if (value instanceof Temporal.ZonedDateTime) return value;
  if (value instanceof Temporal.Instant) return value.toZonedDateTimeISO("UTC");
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new CodecError("Cannot write an invalid Date");
    return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO("UTC");
  }
  throw new CodecError(`The date serializer cannot write ${describeValue(value)}`);
}

/** Formats like Python's `datetime.isoformat()` for an aware datetime. */
function formatIsoDate(zdt: Temporal.ZonedDateTime): string {
  if (zdt.year < 1 || zdt.year > 9999) {
    throw new CodecError(`Python dates range over the years 1 to 9999, got ${zdt.year}`);
  }
  const micro = zdt.millisecond * 1000 + zdt.microsecond;
  let text = `${pad(zdt.year, 4)}-${pad(zdt.month, 2)}-${pad(zdt.day, 2)}T${pad(zdt.hour, 2)}:${
    pad(zdt.minute, 2)
  }:${pad(zdt.second, 2)}`;
  if (micro !== 0) text += "." + pad(micro, 6);
  return text + formatOffset(zdt.offsetNanoseconds);
}

function formatOffset(offsetNs: number): string {
  const sign = offsetNs < 0 ? "-" : "+";
  const abs = Math.abs(offsetNs);
  const seconds = Math.floor(abs / NS_PER_SECOND);
  const micro = Math.floor((abs % NS_PER_SECOND) / 1000);
  let text = `${sign}${pad(Math.floor(seconds / 3600), 2)}:${
    pad(Math.floor(seconds / 60) % 60, 2)
  }`;
  if (seconds % 60 !== 0 || micro !== 0) text += `:${pad(seconds % 60, 2)}`;
  if (micro !== 0) text += `.${pad(micro, 6)}`;
  return text;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** Reads ISO-8601 text with or without an offset (no offset means UTC). */
function parseIsoDate(data: unknown): Temporal.ZonedDateTime {
  if (typeof data !== "string") {
    throw new CodecError(`A date must be ISO-8601 text, got ${describeValue(data)}`);
  }
  const match = ISO_DATE.exec(data);
  if (match === null) {
    throw new CodecError(
      `A date must be ISO-8601 text like "2026-11-24T15:46:09+00:00", got ${JSON.stringify(data)}`,
    );
  }
  const [, y, mo, d, h, mi, s = "0", fraction = "", offset = "+00:00"] = match;
  let zdt: Temporal.ZonedDateTime;
  try {
    const plain = new Temporal.PlainDateTime(
      Number(y),
      Number(mo),
      Number(d),
      Number(h),
      Number(mi),
      Number(s),
      Number(fraction.padEnd(9, "0").slice(0, 3)),
      Number(fraction.padEnd(9, "0").slice(3, 6)),
      Number(fraction.padEnd(9, "0").slice(6, 9)),
    );
    const offsetNs = parseOffset(offset);
    // Temporal zones need whole minutes; other offsets keep the instant in UTC.
    const zone = offsetNs === 0 || offsetNs % (60 * NS_PER_SECOND) !== 0
      ? "UTC"
      : formatOffset(offsetNs);
    const epochNs = BigInt(plain.toZonedDateTime("UTC").epochNanoseconds) - BigInt(offsetNs);
    zdt = new Temporal.ZonedDateTime(epochNs, zone);
  } catch (error) {
    throw new CodecError(`Invalid date ${JSON.stringify(data)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return zdt;
}

/** The offset `Z`, `±HH`, `±HH:MM`, `±HH:MM:SS[.ffffff]` in nanoseconds. */
function parseOffset(text: string): number {
  if (text === "Z" || text === "z") return 0;
  const sign = text[0] === "-" ? -1 : 1;
  const digits = text.slice(1).replaceAll(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4) || "0");
  const seconds = Number(digits.slice(4, 6) || "0");
  const fraction = digits.length > 7 ? digits.slice(7).padEnd(9, "0") : "0";
  if (hours > 23 || minutes > 59 || seconds > 59) throw new CodecError(`Invalid offset ${text}`);
  return sign * ((hours * 3600 + minutes * 60 + seconds) * NS_PER_SECOND + Number(fraction));
}
