// Shared pieces of the property-based tests (issue 8): one fixed seed so CI is reproducible
// (FC_SEED overrides it to explore, FC_RUNS scales the runs), inputs that broke parsers before
// (lone surrogates, Object.prototype keys, deep nesting, huge numbers), and bounds on time/memory.
import fc from "fast-check";
import { expect } from "vitest";

const SEED = Number(process.env.FC_SEED ?? 20_261_206);
const SCALE = Number(process.env.FC_RUNS_SCALE ?? 1);

/** fast-check parameters: the fixed (or FC_SEED) seed, `numRuns` scaled by FC_RUNS_SCALE. */
export function runs(numRuns: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns: Math.max(1, Math.round(numRuns * SCALE)), endOnFailure: true };
}

/** Keys that collide with Object.prototype and so with `obj[key]` lookups in a plain object. */
export const PROTO_KEYS = [
  "__proto__",
  "constructor",
  "hasOwnProperty",
  "toString",
  "valueOf",
  "prototype",
  "isPrototypeOf",
] as const;

/** One UTF-16 unit, any: lone surrogates included (they crash encodeURI and so grpc-js trailers). */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** Strings that are hard on parsers: any code units, any code points, prototype keys, separators. */
export function nastyString(maxLength = 40): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: "binary", maxLength }),
    fc.string({ unit: anyCodeUnit, maxLength }),
    fc.constantFrom(
      ...PROTO_KEYS,
      "\uD800",
      "a\uDC00b",
      "lo",
      "eth0",
      "",
      " ",
      "=",
      ";",
      "a=b;c",
      "\u0000",
      "1e400",
      "-0",
      "ns/name@if",
    ),
  );
}

/** Numbers at and past every boundary a parser might assume (ports, int32, safe integers, floats). */
export const nastyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    0,
    -1,
    65535,
    65536,
    2 ** 31,
    2 ** 32,
    2 ** 53,
    2 ** 64,
    1e308,
    -1e308,
    Number.MAX_VALUE,
    0.5,
    Number.MIN_VALUE,
  ),
);

/** JSON values whose objects may carry prototype keys and nasty strings. */
export const nastyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    nastyString(),
    nastyNumber.filter(Number.isFinite),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(nastyString(12), fc.constantFrom(...PROTO_KEYS)), tie("value"), { maxKeys: 4 }),
  ),
})).value;

/** `[[[…]]]`-style text nested `depth` deep, in JSON or YAML flow syntax. */
export function deepText(depth: number, open = "[", close = "]"): string {
  return open.repeat(depth) + close.repeat(depth);
}

/**
 * Runs `fn` and fails when its CPU time (this process's user + system) passes `ms`: a parser must
 * not run away on any input (alias bombs, backtracking). CPU time, not wall time, because a loaded
 * 2-core machine preempts the test for seconds without the parser doing any more work. Only for
 * work done in this process; {@link withinMs} bounds work done elsewhere (a daemon, a binary).
 */
export async function withinCpuMs<T>(ms: number, fn: () => T | Promise<T>): Promise<T> {
  const start = process.cpuUsage();
  const out = await fn();
  const used = process.cpuUsage(start);
  expect((used.user + used.system) / 1000, "one run used too much CPU (ms)").toBeLessThan(ms);
  return out;
}

/** Runs `fn` and fails when it takes longer than `ms` of wall time (a call must not stall on any input). */
export async function withinMs<T>(ms: number, fn: () => T | Promise<T>): Promise<T> {
  const start = performance.now();
  const out = await fn();
  expect(performance.now() - start, "one run took too long").toBeLessThan(ms);
  return out;
}

/** Heap growth over `fn` (after GC when exposed) stays under `mb`: no input may balloon memory. */
export async function heapGrowthUnder(mb: number, fn: () => Promise<void> | void): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  await fn();
  gc?.();
  const grown = (process.memoryUsage().heapUsed - before) / 2 ** 20;
  expect(grown, "heap growth in MiB").toBeLessThan(mb);
}
