import type pg from 'pg'

/**
 * A pollUntil probe: true once a connection named `applicationName` waits on a lock (pg_stat_activity), else a
 * text saying what is awaited. For tests that hold a row lock and check who queues behind it, and in which order.
 */
export const waitsOnLock = (admin: pg.Pool, applicationName: string) => (): Promise<true | string> =>
  admin
    .query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [applicationName])
    .then((result) => result.rowCount === 1 || `${applicationName} does not wait on a lock yet`)
