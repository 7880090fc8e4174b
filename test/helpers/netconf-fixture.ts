// Renders the network configuration templates in test/fixtures/netconf into a test's own
// directory, filling ${TOKEN}s so that concurrent tests never share names, subnets or dataDirs.
import { randomInt } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

export const NETCONF_FIXTURES = fileURLToPath(new URL("../fixtures/netconf/", import.meta.url));

export type NetconfVars = Readonly<Record<string, string>>;

export interface TestSubnet {
  /** e.g. 10.213.7.0/24 */
  readonly subnet: string;
  /** .1 */
  readonly gateway: string;
  /** .9/24, the address static IPAM fixtures assign */
  readonly staticAddr: string;
  /** "10.213.7." */
  readonly prefix: string;
  /** The /16 around it, e.g. 10.213.0.0/16 */
  readonly sixteen: string;
}

/** A random /24 in 10.200.0.0–10.254.255.0 (unlikely to clash with other tests or the host). */
export function randomSubnet(): TestSubnet {
  const second = randomInt(200, 255);
  const prefix = `10.${second}.${randomInt(0, 256)}.`;
  return {
    subnet: `${prefix}0/24`,
    gateway: `${prefix}1`,
    staticAddr: `${prefix}9/24`,
    prefix,
    sixteen: `10.${second}.0.0/16`,
  };
}

/**
 * A random ULA /64 prefix ("fd5x:yyyy::"), written as the kernel and the plugins write it back:
 * no hextet with a leading zero ("fd58:0e37::" comes back as "fd58:e37::").
 */
export function randomV6Prefix(): string {
  return `fd5${randomInt(0, 16).toString(16)}:${randomInt(0x1000, 0x10000).toString(16)}::`;
}

/**
 * `count` random /24s in distinct /16s: one pod's networks that overlap are refused
 * (IPAM_CONFLICT), and a test may widen one to its /16 without covering another. At most 55, the
 * /16s randomSubnet draws from.
 */
export function distinctSubnets<N extends number>(count: N): Subnets<N> {
  if (count > 55) throw new Error(`distinctSubnets: ${count} is more than the 55 /16s there are`);
  const bySixteen = new Map<string, TestSubnet>();
  while (bySixteen.size < count) {
    const next = randomSubnet();
    bySixteen.set(next.sixteen, next);
  }
  return [...bySixteen.values()] as Subnets<N>;
}

/** `N` subnets as a tuple, so callers destructure them without casts. */
type Subnets<N extends number, Acc extends TestSubnet[] = []> = Acc["length"] extends N
  ? Acc
  : Subnets<N, [...Acc, TestSubnet]>;

/** Fill the template text; every token used in it must have a value. */
export function fillTokens(text: string, vars: NetconfVars, what = "template"): string {
  return text.replace(/\$\{([A-Z_]+)\}/g, (_, token: string) => {
    const value = vars[token];
    if (value === undefined) throw new Error(`${what}: no value for \${${token}}`);
    return value;
  });
}

/** Render `fixture` (path relative to test/fixtures/netconf) into `outDir`; returns the file path. */
export async function renderNetconf(fixture: string, vars: NetconfVars, outDir: string): Promise<string> {
  const text = await readFile(join(NETCONF_FIXTURES, fixture), "utf8");
  const out = join(outDir, basename(fixture));
  await writeFile(out, fillTokens(text, vars, fixture));
  return out;
}
