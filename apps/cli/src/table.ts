/**
 * A plain aligned text table: columns where every cell is a number, and the columns listed in
 * `rightAligned`, are right-aligned; everything else left.
 */
export function formatTable(
  headers: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number>>,
  options: { readonly rightAligned?: readonly number[] } = {},
): string {
  const cells = [headers.map(String), ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const right = headers.map(
    (_, column) => options.rightAligned?.includes(column) || (rows.length > 0 && rows.every((row) => typeof row[column] === 'number')),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => (right[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(cells[0]!), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.slice(1).map(line)].join('\n') + '\n';
}
