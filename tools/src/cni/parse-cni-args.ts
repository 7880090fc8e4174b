// "--cni-args K=V;K=V" like cnitool's CNI_ARGS: every pair needs a key and a value.
// The value may itself contain "=" (only the first one splits).

export function parseCniArgsOption(text: string): Array<[string, string]> | Error {
  const pairs: Array<[string, string]> = [];
  for (const item of text.split(";")) {
    if (item === "") continue;
    const eq = item.indexOf("=");
    if (eq <= 0 || eq === item.length - 1) return new Error(`invalid CNI_ARGS pair "${item}" (want KEY=VALUE)`);
    pairs.push([item.slice(0, eq), item.slice(eq + 1)]);
  }
  return pairs;
}
