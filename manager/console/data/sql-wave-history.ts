import { sameCounts, type WaveHistory, type WaveNumbers, type WaveSample } from './wave-history.ts'

/** Runs one statement with positional parameters `$1`, `$2` … on SQLite or PostgreSQL. */
export interface SqlRunner {
  rows<T>(sql: string, params: readonly unknown[]): Promise<T[]>
  run(sql: string, params: readonly unknown[]): Promise<void>
}

export interface SqlWaveHistoryOptions {
  /** How far back the chart reaches; default one hour. */
  windowMs?: number
  /** Changes closer than this to the last sample replace its numbers; default 2 s. */
  resolutionMs?: number
}

/** A sample's row; PostgreSQL returns bigint as text. */
interface SampleRow {
  at: number | string
  targeted: number
  done: number
  failed: number
}

const LATEST = `SELECT at, targeted, done, failed FROM console_wave_samples WHERE tenant_id = $1
  ORDER BY at DESC LIMIT 1`
/** The numbers of a sample counted later than the ones it holds (two replicas may record one sample). */
const REPLACE = `UPDATE console_wave_samples SET targeted = $3, done = $4, failed = $5, counted_at = $6
  WHERE tenant_id = $1 AND at = $2 AND counted_at <= $6`
const INSERT = `INSERT INTO console_wave_samples (tenant_id, at, targeted, done, failed, counted_at)
  VALUES ($1, $2, $3, $4, $5, $2)
  ON CONFLICT (tenant_id, at) DO UPDATE SET targeted = excluded.targeted, done = excluded.done,
    failed = excluded.failed, counted_at = excluded.counted_at
  WHERE console_wave_samples.counted_at <= excluded.counted_at`
/** The window's start: the last sample at or before it, and every later one. */
const START = '(SELECT max(at) FROM console_wave_samples WHERE tenant_id = $1 AND at <= $2)'
const PRUNE = `DELETE FROM console_wave_samples WHERE tenant_id = $1 AND at < ${START}`
const SAMPLES = `SELECT at, targeted, done, failed FROM console_wave_samples
  WHERE tenant_id = $1 AND at >= coalesce(${START}, $2) ORDER BY at`

/**
 * The wave history in a table (`console_wave_samples`: one row per sample, keyed by tenant and time), the same SQL
 * on SQLite and PostgreSQL (sqlite-wave-history.ts, postgres-wave-history.ts); the rules are MemoryWaveHistory's.
 * Each record reads the tenant's latest sample; a new sample prunes the tenant's samples older than the window's
 * start. Replicas recording at the same moment may add two samples a moment apart (both true counts). A tenant
 * keeps at most its last sample once nothing is recorded for it any more.
 */
export class SqlWaveHistory implements WaveHistory {
  readonly windowMs: number
  readonly #resolutionMs: number

  constructor(
    private readonly sql: SqlRunner,
    { windowMs = 3_600_000, resolutionMs = 2_000 }: SqlWaveHistoryOptions = {},
  ) {
    this.windowMs = windowMs
    this.#resolutionMs = resolutionMs
  }

  async record(tenantId: string, counts: WaveNumbers, now: number): Promise<void> {
    const [latest] = (await this.sql.rows<SampleRow>(LATEST, [tenantId])).map(sampleOf)
    if (latest !== undefined && sameCounts(latest, counts)) return
    const numbers = [counts.targeted, counts.done, counts.failed]
    if (latest !== undefined && now - latest.at < this.#resolutionMs) {
      await this.sql.run(REPLACE, [tenantId, latest.at, ...numbers, now])
      return
    }
    await this.sql.run(INSERT, [tenantId, now, ...numbers])
    await this.sql.run(PRUNE, [tenantId, now - this.windowMs])
  }

  async samples(tenantId: string, now: number): Promise<readonly WaveSample[]> {
    return (await this.sql.rows<SampleRow>(SAMPLES, [tenantId, now - this.windowMs])).map(sampleOf)
  }
}

const sampleOf = (row: SampleRow): WaveSample => ({
  at: Number(row.at),
  targeted: row.targeted,
  done: row.done,
  failed: row.failed,
})
