import pg from 'pg'
import { connectionFailure, sqlOn, type Sql } from './sql.ts'

/** How often a transaction the server chose as a deadlock's victim is run again before its failure is reported. */
const DEADLOCK_ATTEMPTS = 3
const DEADLOCK_DETECTED = '40P01'

/**
 * Runs `work` in one transaction (READ COMMITTED; rows to be written are read FOR UPDATE) on one client of the
 * pool: COMMIT when it resolves, ROLLBACK when it throws. Writers locking the same hosts in opposite orders (two
 * replicas' batches) can deadlock: the server rolls one back, which is then run again from the start (it wrote
 * nothing), up to DEADLOCK_ATTEMPTS times.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (sql: Sql) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await once(pool, work)
    } catch (err) {
      const deadlocked = err instanceof pg.DatabaseError && err.code === DEADLOCK_DETECTED
      if (!deadlocked || attempt === DEADLOCK_ATTEMPTS) throw err
    }
  }
}

/**
 * One attempt. The client always goes back to the pool, or is closed when its connection failed or the ROLLBACK
 * did (its state is then unknown).
 */
async function once<T>(pool: pg.Pool, work: (sql: Sql) => Promise<T>): Promise<T> {
  let client: pg.PoolClient
  try {
    client = await pool.connect()
  } catch (err) {
    throw connectionFailure(err) ?? err
  }
  const sql = sqlOn(client)
  let broken: Error | undefined
  // A checked-out client has no listener of its own: a connection lost mid-transaction would crash the process.
  const lost = (err: Error) => {
    broken = err
  }
  client.on('error', lost)
  try {
    await sql.run('BEGIN')
    const result = await work(sql)
    await sql.run('COMMIT')
    return result
  } catch (err) {
    broken ??= await rollback(sql)
    throw err
  } finally {
    client.off('error', lost)
    client.release(broken ?? false)
  }
}

/** Undefined when rolled back; the failure when the connection could not even do that. */
async function rollback(sql: Sql): Promise<Error | undefined> {
  try {
    await sql.run('ROLLBACK')
    return undefined
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err))
  }
}
