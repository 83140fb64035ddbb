/** Plain-text tables for the terminal: left-aligned columns separated by two spaces, a header row. */
export interface Column<T> {
  header: string
  value: (row: T) => string
  /** Longer values are cut with an ellipsis. */
  maxWidth?: number
}

export function formatTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const cells = rows.map((row) => columns.map((column) => clip(column.value(row), column.maxWidth)))
  const widths = columns.map((column, index) => Math.max(column.header.length, ...cells.map((line) => (line[index] ?? '').length)))
  const render = (line: readonly string[]) =>
    line
      .map((cell, index) => (index === line.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
      .join('  ')
      .trimEnd()
  return [render(columns.map((column) => column.header)), ...cells.map(render)].join('\n') + '\n'
}

/** `key: value` lines with the keys padded to one width. */
export function formatFields(fields: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(0, ...fields.map(([key]) => key.length)) + 1
  return fields.map(([key, value]) => `${`${key}:`.padEnd(width)} ${value}`).join('\n') + '\n'
}

function clip(value: string, maxWidth: number | undefined): string {
  const flat = value.replace(/\s+/g, ' ')
  return maxWidth === undefined || flat.length <= maxWidth ? flat : `${flat.slice(0, Math.max(0, maxWidth - 1))}…`
}
