/** One point of the activation-progress chart. */
export interface WaveSample {
  /** Epoch milliseconds. */
  at: number
  targeted: number
  done: number
  failed: number
}

export type WaveNumbers = Omit<WaveSample, 'at'>

/**
 * The activation progress of each tenant over the last hour: a sample whenever the counts change (the console
 * records them each time it counts a tenant); changes closer than the resolution to the last sample replace its
 * numbers (keeping its time). Implementations: MemoryWaveHistory (one process), SqliteWaveHistory
 * (<dataDir>/console-waves.sqlite) and PostgresWaveHistory (the shared database: every replica records into and
 * draws from one history, so a chart shows the waves every replica saw).
 */
export interface WaveHistory {
  /** How far back the chart reaches. */
  readonly windowMs: number
  record(tenantId: string, counts: WaveNumbers, now: number): Promise<void>
  /** The samples of the window, oldest first (the last one before the window kept as the chart's start). */
  samples(tenantId: string, now: number): Promise<readonly WaveSample[]>
}

export interface WaveHistoryOptions {
  /** How far back the chart reaches; default one hour. */
  windowMs?: number
  /** Changes closer than this merge into one sample; default 2 s. */
  resolutionMs?: number
  /** Tenants remembered (least recently recorded forgotten first); default 1,000. */
  maxTenants?: number
}

export const sameCounts = (a: WaveNumbers, b: WaveNumbers): boolean =>
  a.targeted === b.targeted && a.done === b.done && a.failed === b.failed

/** The history in this process's memory. Bounded in time, in resolution and in tenants. */
export class MemoryWaveHistory implements WaveHistory {
  readonly windowMs: number
  readonly #resolutionMs: number
  readonly #maxTenants: number
  readonly #byTenant = new Map<string, WaveSample[]>()

  constructor({ windowMs = 3_600_000, resolutionMs = 2_000, maxTenants = 1_000 }: WaveHistoryOptions = {}) {
    this.windowMs = windowMs
    this.#resolutionMs = resolutionMs
    this.#maxTenants = maxTenants
  }

  record(tenantId: string, counts: WaveNumbers, now: number): Promise<void> {
    const samples = this.#byTenant.get(tenantId) ?? []
    this.#byTenant.delete(tenantId)
    this.#byTenant.set(tenantId, samples)
    const last = samples.at(-1)
    const sample = { at: now, targeted: counts.targeted, done: counts.done, failed: counts.failed }
    if (last === undefined || !sameCounts(last, counts)) {
      if (last !== undefined && now - last.at < this.#resolutionMs) samples[samples.length - 1] = { ...sample, at: last.at }
      else samples.push(sample)
    }
    this.#prune(samples, now)
    for (const oldest of this.#byTenant.keys()) {
      if (this.#byTenant.size <= this.#maxTenants) break
      this.#byTenant.delete(oldest)
    }
    return Promise.resolve()
  }

  samples(tenantId: string, now: number): Promise<readonly WaveSample[]> {
    const samples = this.#byTenant.get(tenantId) ?? []
    this.#prune(samples, now)
    return Promise.resolve([...samples])
  }

  #prune(samples: WaveSample[], now: number): void {
    const start = now - this.windowMs
    let old = 0
    while (old + 1 < samples.length && (samples[old + 1]?.at ?? now) <= start) old += 1
    if (old > 0) samples.splice(0, old)
  }
}
