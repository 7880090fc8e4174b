// Aligned columns for text and -o wide output. A command declares its columns once; adding
// one is one line, and `wide: true` shows it only with -o wide.

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string;
  readonly wide?: boolean;
}

export function renderTable<T>(columns: readonly Column<T>[], rows: readonly T[], wide = false): string {
  const shown = columns.filter((c) => wide || !c.wide);
  return formatTable(
    shown.map((c) => c.header),
    rows.map((r) => shown.map((c) => c.value(r))),
  );
}

export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}
