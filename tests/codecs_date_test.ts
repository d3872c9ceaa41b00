/**
 * The date serializer: Python's isoformat text, offsets and microseconds.
 */

import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { CodecError, dateSerializer, Json, MsgPack } from "../codecs/mod.ts";
import { bytesToHex, vector } from "./_vectors.ts";

Deno.test("dateSerializer writes like Python's isoformat: microseconds only when not zero", () => {
  const cases: [Date | Temporal.Instant | Temporal.ZonedDateTime, string][] = [
    [Temporal.Instant.from("2026-11-24T15:46:09.954819Z"), "2026-11-24T15:46:09.954819+00:00"],
    [Temporal.Instant.from("2026-11-24T15:46:09Z"), "2026-11-24T15:46:09+00:00"],
    [Temporal.Instant.from("2026-11-24T15:46:09.000001999Z"), "2026-11-24T15:46:09.000001+00:00"],
    [new Date(Date.UTC(2026, 10, 24, 15, 46, 9, 5)), "2026-11-24T15:46:09.005000+00:00"],
    [
      Temporal.ZonedDateTime.from("2026-11-24T16:46:09+01:00[+01:00]"),
      "2026-11-24T16:46:09+01:00",
    ],
    [
      Temporal.ZonedDateTime.from("2026-07-01T12:00:00.5[America/New_York]"),
      "2026-07-01T12:00:00.500000-04:00",
    ],
    [Temporal.ZonedDateTime.from("0001-01-01T00:00:00+00:00[UTC]"), "0001-01-01T00:00:00+00:00"],
    [
      Temporal.ZonedDateTime.from("2026-01-01T00:00:00+05:45[Asia/Kathmandu]"),
      "2026-01-01T00:00:00+05:45",
    ],
  ];
  for (const [value, expected] of cases) {
    assertEquals(dateSerializer.serialize(value), expected);
  }
});

Deno.test("dateSerializer reads the wire's offset and microseconds back", () => {
  const at = dateSerializer.deserialize("2026-11-24T16:46:09.954819+01:00");
  assert(at instanceof Temporal.ZonedDateTime);
  assertEquals(at.offset, "+01:00");
  assertEquals(at.microsecond, 819);
  assertEquals(at.toString(), "2026-11-24T16:46:09.954819+01:00[+01:00]");
  const utc = dateSerializer.deserialize("2026-11-24T15:46:09+00:00");
  assertEquals(utc.timeZoneId, "UTC");
  assertEquals(dateSerializer.deserialize("2026-11-24T15:46:09Z").toString(), utc.toString());
  // No offset: read as UTC.
  assertEquals(dateSerializer.deserialize("2026-11-24T15:46:09").toString(), utc.toString());
  // A sub-minute offset keeps the instant (in UTC, as Temporal zones need whole minutes).
  const odd = dateSerializer.deserialize("1900-01-01T00:00:00+00:09:21");
  assert(odd.toInstant().equals(Temporal.Instant.from("1899-12-31T23:50:39Z")));
});

Deno.test("dateSerializer refuses text that is not an ISO date and years Python lacks", () => {
  for (const bad of ["yesterday", 12, "2026-13-01T00:00:00+00:00", "2026-11-24T25:00:00Z"]) {
    assertThrows(() => dateSerializer.deserialize(bad), CodecError, String(bad));
  }
  assertThrows(
    () => dateSerializer.serialize(Temporal.ZonedDateTime.from("+010000-01-01T00:00:00[UTC]")),
    CodecError,
  );
  assertThrows(() => dateSerializer.serialize(new Date(NaN)), CodecError);
});

Deno.test("The MsgPack date vectors re-encode byte for byte through the date serializer", () => {
  const codec = new MsgPack([dateSerializer]);
  for (
    const name of [
      "date typeid 0 (container) with microseconds",
      "date typeid 0 (container) whole seconds, offset",
    ]
  ) {
    const v = vector("msgpack", name);
    const decoded = codec.decode(v.payload) as unknown[];
    assert(decoded[2] instanceof Temporal.ZonedDateTime, name);
    assertEquals(bytesToHex(codec.encode(decoded)), bytesToHex(v.payload), name);
  }
});

Deno.test("Dates of every kind round-trip through JSON and MsgPack as ZonedDateTime", () => {
  for (const codec of [new Json([dateSerializer]), new MsgPack([dateSerializer])]) {
    const date = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    const instant = Temporal.Instant.from("2026-11-24T15:46:09.954819Z");
    const zoned = Temporal.ZonedDateTime.from("2026-11-24T16:46:09.000001+01:00[Europe/Berlin]");
    const [a, b, c] = codec.decode(
      codec.encode([date, instant, zoned]),
    ) as Temporal.ZonedDateTime[];
    assertEquals(a.epochMilliseconds, date.getTime());
    assert(b.toInstant().equals(instant));
    assert(c.toInstant().equals(zoned.toInstant()));
    assertEquals(c.offset, "+01:00");
  }
});
