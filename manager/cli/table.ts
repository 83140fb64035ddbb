import { escapeForTerminal } from './terminal-text.ts'

/**
 * Plain-text tables for the terminal: left-aligned columns separated by two spaces, a header row. Every cell and key
 * is escaped here (terminal-text.ts), so no caller can print a device's control characters raw.
 */
export interface Column<T> {
  header: string
  value: (row: T) => string
  /** Longer values are cut with an ellipsis. */
  maxWidth?: number
}

export function formatTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const headers = columns.map((column) => escapeForTerminal(column.header))
  const cells = rows.map((row) => columns.map((column) => clip(column.value(row), column.maxWidth)))
  const widths = headers.map((header, index) =>
    Math.max(header.length, ...cells.map((line) => (line[index] ?? '').length)),
  )
  const render = (line: readonly string[]) =>
    line
      .map((cell, index) => (index === line.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
      .join('  ')
      .trimEnd()
  return [render(headers), ...cells.map(render)].join('\n') + '\n'
}

/** `key: value` lines with the keys padded to one width. */
export function formatFields(fields: ReadonlyArray<readonly [string, string]>): string {
  const safe = fields.map(([key, value]) => [escapeForTerminal(key), escapeForTerminal(value)] as const)
  const width = Math.max(0, ...safe.map(([key]) => key.length)) + 1
  return safe.map(([key, value]) => `${`${key}:`.padEnd(width)} ${value}`).join('\n') + '\n'
}

function clip(value: string, maxWidth: number | undefined): string {
  const flat = escapeForTerminal(value).replace(/\s+/g, ' ')
  return maxWidth === undefined || flat.length <= maxWidth ? flat : `${flat.slice(0, Math.max(0, maxWidth - 1))}…`
}
