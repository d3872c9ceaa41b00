/**
 * A user class with an extra serializer, for tests that send values the
 * codecs do not know by themselves.
 *
 * @module
 */

import type { Serializer } from "../codecs/mod.ts";

/** A point in the plane. */
export class Point {
  constructor(readonly x: number, readonly y: number) {}
}

/** Sends a {@linkcode Point} as `[x, y]`. */
export const pointSerializer: Serializer<Point> = {
  type: Point,
  serialize: (point) => [point.x, point.y],
  deserialize: (data) => new Point(...(data as [number, number])),
};
