import type pg from 'pg'
import type { Logger } from '../../../lib/log.ts'
import { migratePostgres } from '../../database/postgres-migrations.ts'
import { TOKEN_COLUMNS, tokenOfRow, tokenValues, type TokenRow } from './token-rows.ts'
import { StoredToken, TokenNameTakenError, type TokenStore } from './token-store.ts'

/**
 * Schema steps of the `tokens` component (migratePostgres: version i + 1 is step i). Never edit a released step;
 * add one. `created_at` is the ISO text of StoredToken in the "C" collation (byte order is time order, whatever the
 * database's locale); `seq` keeps the order of insertion for tokens of one millisecond.
 */
const STEPS: readonly string[] = [
  `CREATE TABLE api_tokens (
     seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     id text NOT NULL CONSTRAINT api_tokens_id_unique UNIQUE,
     name text NOT NULL CONSTRAINT api_tokens_name_unique UNIQUE,
     role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
     tenant text NOT NULL,
     hash text NOT NULL,
     created_at text COLLATE "C" NOT NULL
   );
   CREATE INDEX api_tokens_by_creation ON api_tokens (created_at, seq);`,
]

/** unique_violation (SQLSTATE 23505) */
const UNIQUE_VIOLATION = '23505'

/**
 * API tokens in the shared PostgreSQL database: every replica and the local `tokens` commands see one table, so a
 * token created or revoked anywhere counts everywhere at once. Two replicas adding one name at the same moment:
 * the UNIQUE constraint lets exactly one win, the other gets TokenNameTakenError. The pool is the caller's.
 */
export class PostgresTokenStore implements TokenStore {
  private constructor(private readonly pool: pg.Pool) {}

  /** Brings the `tokens` schema up to date (under migratePostgres's advisory lock), then the store. */
  static async open(pool: pg.Pool, log?: Logger): Promise<PostgresTokenStore> {
    await migratePostgres(pool, 'tokens', STEPS, log)
    return new PostgresTokenStore(pool)
  }

  async get(id: string): Promise<StoredToken | null> {
    const found = await this.pool.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = $1`, [id])
    const row = found.rows[0]
    return row === undefined ? null : tokenOfRow(row)
  }

  async list(): Promise<StoredToken[]> {
    const found = await this.pool.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, seq`)
    return found.rows.map(tokenOfRow)
  }

  async add(token: StoredToken): Promise<void> {
    const parsed = StoredToken.parse(token)
    try {
      await this.pool.query(
        `INSERT INTO api_tokens (${TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`,
        tokenValues(parsed),
      )
    } catch (err) {
      if (isUniqueViolationOf(err, 'api_tokens_name_unique')) throw new TokenNameTakenError(parsed.name)
      throw err
    }
  }

  async remove(id: string): Promise<boolean> {
    const deleted = await this.pool.query('DELETE FROM api_tokens WHERE id = $1', [id])
    return deleted.rowCount === 1
  }
}

function isUniqueViolationOf(err: unknown, constraint: string): boolean {
  return (
    err instanceof Error &&
    'code' in err &&
    err.code === UNIQUE_VIOLATION &&
    'constraint' in err &&
    err.constraint === constraint
  )
}
