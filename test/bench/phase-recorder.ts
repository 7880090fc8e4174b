// Time spent per named phase while one call is measured: a timing proxy for the exec seam
// (ComposeOptions.exec), and every fsync of the process.
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

export interface PhaseTotals {
  readonly ms: number;
  readonly n: number;
}

export interface PhaseRecorder {
  /** Starts a measured call: totals are cleared and recording is on. */
  begin(): void;
  /** Ends it: recording off; returns the totals per phase. */
  end(): Map<string, PhaseTotals>;
  /** A timing proxy: every method (or the function itself) is timed as `name.method`. */
  instrument<T extends object>(name: string, dep: T): T;
  /** Times every fs.fsync() (callback API, also through ESM imports) as "fsync file" / "fsync dir". */
  patchFsync(): void;
}

export function createPhaseRecorder(now: () => number = () => performance.now()): PhaseRecorder {
  let on = false;
  let totals = new Map<string, { ms: number; n: number }>();
  const add = (phase: string, ms: number): void => {
    if (!on) return;
    const t = totals.get(phase) ?? { ms: 0, n: 0 };
    t.ms += ms;
    t.n += 1;
    totals.set(phase, t);
  };
  /** Time `fn`; a promise is timed until it settles. */
  const time = (phase: string, fn: () => unknown): unknown => {
    const t0 = now();
    const out = fn();
    if (out instanceof Promise) return out.finally(() => add(phase, now() - t0));
    add(phase, now() - t0);
    return out;
  };
  const phaseOf = (name: string, method: string, args: unknown[]): string => {
    // The exec seam: split plugin runs by command (the delegates' own time vs VERSION probes).
    if (name === "exec" && method === "exec") return `exec ${(args[0] as { command?: string }).command ?? "?"}`;
    return `${name}.${method}`;
  };

  return {
    begin() {
      totals = new Map();
      on = true;
    },
    end() {
      on = false;
      return totals;
    },
    instrument<T extends object>(name: string, dep: T): T {
      if (typeof dep === "function") {
        return new Proxy(dep, {
          apply: (target, self, args: unknown[]) => time(name, () => Reflect.apply(target, self, args)),
        });
      }
      return new Proxy(dep, {
        get(target, prop, receiver) {
          const value: unknown = Reflect.get(target, prop, receiver);
          if (typeof value !== "function" || typeof prop !== "string") return value;
          return (...args: unknown[]) => time(phaseOf(name, prop, args), () => Reflect.apply(value, target, args));
        },
      });
    },
    patchFsync() {
      const original = fs.fsync;
      const patched = (fd: number, done: (err: NodeJS.ErrnoException | null) => void): void => {
        const kind = fs.fstatSync(fd).isDirectory() ? "fsync dir" : "fsync file";
        const t0 = now();
        original(fd, (err) => {
          add(kind, now() - t0);
          done(err);
        });
      };
      fs.fsync = patched as typeof fs.fsync;
      syncBuiltinESMExports();
    },
  };
}
