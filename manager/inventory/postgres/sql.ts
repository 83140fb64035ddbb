import pg from 'pg'
import { InventoryError } from '../errors.ts'

/** Named (`@name`) or positional (`?`) parameters, as the shared statements take them (manager/inventory/sql/). */
type Params = object | readonly unknown[]

/** Runs shared SQL on PostgreSQL: on the pool (one statement) or on a transaction's client. */
export interface Sql {
  rows<T>(sql: string, params?: Params): Promise<T[]>
  /** The first row, if any. */
  row<T>(sql: string, params?: Params): Promise<T | undefined>
  /** How many rows the statement wrote. */
  run(sql: string, params?: Params): Promise<number>
}

const { builtins } = pg.types
/** Parsers by type oid where the rows differ from pg's defaults. */
const PARSERS = new Map<number, (text: string) => unknown>([
  [builtins.INT8, Number],
  [builtins.BOOL, (text) => (text === 't' ? 1 : 0)],
  [builtins.JSON, (text) => text],
  [builtins.JSONB, (text) => text],
])
/**
 * Rows come back in the shapes of manager/inventory/sql/rows.ts, as SQLite gives them: bigint as a number (ids,
 * counts, versions and timestamps stay far below 2^53), boolean as 1 / 0, json and jsonb as their text.
 */
const ROW_TYPES: pg.CustomTypesConfig = {
  getTypeParser: (oid: number) =>
    PARSERS.get(oid) ?? (pg.types.getTypeParser(oid, 'text') as (text: string) => unknown),
}

interface Numbered {
  text: string
  /** The parameter names in $-order; empty for `?` parameters (taken in order). */
  names: string[]
}

const numbered = new Map<string, Numbered>()

/** `@name` → `$n` (one number per distinct name), `?` → `$1`, `$2` ...; cached per statement. */
function numberedOf(sql: string): Numbered {
  let found = numbered.get(sql)
  if (found === undefined) {
    const names: string[] = []
    let position = 0
    const text = sql.replace(/@(\w+)|\?/g, (_, name: string | undefined) => {
      if (name === undefined) return `$${++position}`
      if (!names.includes(name)) names.push(name)
      return `$${names.indexOf(name) + 1}`
    })
    found = { text, names }
    numbered.set(sql, found)
  }
  return found
}

function queryOf(sql: string, params: Params): pg.QueryConfig {
  const { text, names } = numberedOf(sql)
  const values = Array.isArray(params)
    ? params
    : names.map((name) => {
        const value = (params as Record<string, unknown>)[name]
        if (value === undefined) throw new Error(`no value for the parameter @${name}`)
        return value
      })
  return { text, values, types: ROW_TYPES }
}

/** A failure of the connection (not of a statement): the server went away, a socket broke, a connect timed out. */
export function connectionFailure(err: unknown): InventoryError | null {
  if (err instanceof InventoryError || err instanceof pg.DatabaseError || !(err instanceof Error)) return null
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError) return null
  return new InventoryError('INVENTORY_STORAGE_FAILED', `inventory storage failed: ${err.message}`, { cause: err })
}

/** Shared SQL on a pool or client; connection failures become INVENTORY_STORAGE_FAILED at once. */
export function sqlOn(target: pg.Pool | pg.PoolClient): Sql {
  const query = async <T extends pg.QueryResultRow>(sql: string, params: Params = []) => {
    const config = queryOf(sql, params)
    try {
      return await target.query<T>(config)
    } catch (err) {
      throw connectionFailure(err) ?? err
    }
  }
  return {
    rows: async <T>(sql: string, params?: Params) => (await query(sql, params)).rows as T[],
    row: async <T>(sql: string, params?: Params) => (await query(sql, params)).rows[0] as T | undefined,
    run: async (sql, params) => (await query(sql, params)).rowCount ?? 0,
  }
}
