import type { Logger } from '../../lib/log.ts'
import { VersionConflictError } from '../inventory/errors.ts'
import { applyCheckedPatch, assertPatch } from '../inventory/host-patch.ts'
import type { AppendAuditInput, Host, HostKey, HostPatch } from '../inventory/port.ts'
import { runHandler, type Effect } from './reducers/index.ts'
import { checkSequence } from './reducers/sequence.ts'
import type { ManagerMetrics } from '../metrics/metrics.ts'
import type { RecordOptions, RecordResult, Report, ReportSource } from './facts.ts'
import { hostId, type HostBook } from './host-book.ts'
import type { BookUpdate, HostWritePath } from './host-write-path.ts'
import type { AdmitReport } from './report-budgets.ts'

const DEFAULT_MAX_BATCH = 1000
const MAX_ATTEMPTS = 5

/** A host written by an ingest batch, with the effects its reports asked for (in report order). */
export interface Committed {
  host: Host
  effects: Effect[]
}

export interface IngestDeps {
  /** Where a batch reads its hosts (cache over Inventory) and queues behind the other host writes. */
  book: HostBook
  /** The write path: a batch is one commit → audit → after-write (status, deadlines) of the hosts it changed. */
  writes: HostWritePath
  log: Logger
  metrics: ManagerMetrics
  now: () => Date
  /** The per-host report budgets (report-budgets.ts): a report over its host's budget is rejected, not buffered. */
  admit: AdmitReport
  /** Runs after each stored batch, after the write path's publications: the reports' effects. Must not throw. */
  afterCommit: (committed: readonly Committed[]) => void
  maxBatch?: number
  /**
   * Only when this process is the Inventory's only writer (SQLite): a quiet host's `lastSeen` is stored once it moved
   * by this much (see Ingest). Absent: every accepted report is written (replicas: a write checks the cached version,
   * so a host another replica changed is re-read; a skipped write would check nothing).
   */
  lastSeenResolutionMs?: number
}

interface Pending {
  key: HostKey
  report: Report
  source: ReportSource
  precondition: RecordOptions['precondition']
  settle: (result: RecordResult) => void
  fail: (err: Error) => void
}

/**
 * Per host within one batch: the host as read, the merged patch of its accepted reports, and the host as projected
 * after them — lazily: `projected` stands before `pending`, the last accepted report's patch, which is applied only
 * when another report of the host follows in the batch (most hosts have one report per batch, and the Inventory
 * applies the patch to the host as read anyway).
 */
interface HostWork {
  read: Host
  projected: Host
  pending: HostPatch | null
  /** Null until a report is accepted; the first report's own patch, then a merged copy. */
  patch: HostPatch | null
  effects: Effect[]
  /** Every accepted report of the batch for this host is a quiet one (see Ingest). */
  quiet: boolean
}

type Verdict = { accepted: true; id: string; changed: boolean } | Extract<RecordResult, { outcome: 'rejected' }>

/**
 * The ingest pipeline: reports are buffered and handled in batches, one Inventory transaction per batch.
 * A batch collects whatever arrived before the next turn of the event loop (at most `maxBatch`), so a quiet
 * fleet sees no added latency and a busy one gets large transactions. Per host, reports are handled in
 * arrival order against the host as projected after the previous one (so ordering checks and handlers see
 * every earlier report of the same batch), and one merged patch per host is written with the version read
 * (a conflict re-reads and re-runs the batch). Effects run only after the commit, its audit and its publications.
 *
 * When this process is the Inventory's only writer (SQLite), a host whose reports in the batch are all quiet — an
 * MQTT capability or state report of the same boot that changes nothing (no field, audit or effect: the retained
 * reports every agent sends again at each reconnect) — is not written while its stored `lastSeen` is younger than
 * `lastSeenResolutionMs`: its accepted seqs go into the cached host only (its stored version unchanged), and the next
 * write of the host stores them. A presence report is never quiet: every (re)connection is stored, with its
 * `lastSeen`. Per host and leaf, the seqs between the stored and the cached one are all quiet reports: one of them
 * accepted again after the cache lost it (a restart, an eviction) changes nothing again.
 */
export class Ingest {
  readonly #deps: IngestDeps
  readonly #log: Logger
  readonly #maxBatch: number
  readonly #lastSeenResolutionMs: number | undefined
  #buffer: Pending[] = []
  #scheduled = false
  #running: Promise<void> | null = null

  constructor(deps: IngestDeps) {
    this.#deps = deps
    this.#log = deps.log.child({ module: 'ingest' })
    this.#maxBatch = deps.maxBatch ?? DEFAULT_MAX_BATCH
    this.#lastSeenResolutionMs = deps.lastSeenResolutionMs
  }

  /**
   * Records one report (the core's `record`; bound, so the core hands it out as it is): rejected at once when over
   * its host's budget, else buffered for the next batch; resolves once it is stored or rejected.
   */
  readonly submit = (
    key: HostKey,
    report: Report,
    source: ReportSource,
    options: RecordOptions = {},
  ): Promise<RecordResult> => {
    if (!this.#deps.admit(key, report.kind))
      return Promise.resolve({ outcome: 'rejected', reason: 'rate-limited', detail: 'over the host budget' })
    return new Promise((settle, fail) => {
      const { precondition } = options
      this.#buffer.push({
        key: { tenantId: key.tenantId, hostId: key.hostId },
        report,
        source,
        precondition,
        settle,
        fail,
      })
      this.#schedule()
    })
  }

  /** Resolves once every report submitted so far is handled. */
  async idle(): Promise<void> {
    while (this.#buffer.length > 0 || this.#running !== null || this.#scheduled) {
      await (this.#running ?? new Promise<void>((resolve) => setImmediate(resolve)))
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#running !== null) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      const batch = this.#buffer.splice(0, this.#maxBatch)
      this.#running = this.#deps.book
        .serial(() => this.#flush(batch))
        .finally(() => {
          this.#running = null
          if (this.#buffer.length > 0) this.#schedule()
        })
    })
  }

  async #flush(batch: Pending[]): Promise<void> {
    const { book, metrics } = this.#deps
    for (let attempt = 1; ; attempt++) {
      try {
        const { verdicts, stored } = await this.#apply(batch)
        metrics.ingestBatchSize.observe(batch.length)
        this.#deps.afterCommit(stored.committed)
        batch.forEach((item, index) => this.#settle(item, verdicts[index], stored))
        return
      } catch (err) {
        if (err instanceof VersionConflictError && attempt < MAX_ATTEMPTS) {
          this.#log.debug({ attempt, err }, 'hosts changed behind the cache; re-reading')
          for (const item of batch) book.forget(item.key)
          continue
        }
        metrics.ingestErrors.inc()
        this.#log.error(
          { err, reports: batch.length },
          'ingest batch failed; its reports are lost (retained ones return on reconnect)',
        )
        const error = err instanceof Error ? err : new Error(String(err))
        for (const item of batch) item.fail(error)
        return
      }
    }
  }

  /** Handles the batch against projected hosts and writes the merged patches (one transaction) with their audit. */
  async #apply(batch: readonly Pending[]) {
    const now = this.#deps.now()
    const nowIso = now.toISOString()
    const hosts = await this.#deps.book.getMany(batch.map((item) => item.key))
    const work = new Map<string, HostWork>()
    const audit: AppendAuditInput[] = []
    const verdicts = batch.map((item): Verdict => {
      const id = hostId(item.key)
      let entry = work.get(id)
      if (entry === undefined) {
        const host = hosts.get(id)
        if (host === undefined)
          return { outcome: 'rejected', reason: 'unknown-host', detail: `no host ${id} in Inventory` }
        entry = { read: host, projected: host, pending: null, patch: null, effects: [], quiet: true }
        work.set(id, entry)
      }
      return this.#handle(id, entry, item, now, nowIso, audit)
    })
    const updates: BookUpdate[] = []
    const quiet: Host[] = []
    for (const entry of work.values()) {
      const { patch } = entry
      if (patch === null) continue
      if (entry.quiet && this.#seenLately(entry.read, now)) {
        quiet.push({ ...entry.read, lastSeq: projected(entry, now).lastSeq })
        continue
      }
      // One accepted report: its patch, applied to the host as read by the Inventory, is the projection. More: the
      // merged patch's lastSeq is the last report's; the projection holds the map of every report of the boot.
      const single = entry.projected === entry.read
      updates.push({
        host: entry.read,
        patch: single || patch.lastSeq === undefined ? patch : { ...patch, lastSeq: projected(entry, now).lastSeq },
      })
    }
    const written = await this.#deps.writes.commit(updates, { audit })
    for (const host of quiet) this.#deps.book.remember(host)
    const byId = new Map([...written, ...quiet].map((host) => [hostId(host), host]))
    const committed = written.map((host) => ({ host, effects: work.get(hostId(host))?.effects ?? [] }))
    return { verdicts, stored: { byId, committed } }
  }

  #handle(id: string, entry: HostWork, item: Pending, now: Date, nowIso: string, audit: AppendAuditInput[]): Verdict {
    const { report, source } = item
    const host = projected(entry, now)
    const refused = item.precondition?.(host) ?? null
    if (refused !== null) return { outcome: 'rejected', reason: 'precondition', detail: refused }
    const online = report.kind === 'presence' ? report.facts.online : undefined
    const sequence = checkSequence(host, report.kind, source, online)
    if (!sequence.ok) return { outcome: 'rejected', reason: sequence.reason, detail: sequence.detail }
    const result = runHandler(host, report, { now, source })
    const agentKind = source.kind === 'grpc' ? 'grpc' : 'mqtt'
    const patch: HostPatch = {
      ...sequence.patch,
      lastSeen: nowIso,
      ...(host.agentKind === agentKind ? {} : { agentKind }),
      ...result.patch,
    }
    try {
      assertPatch(patch)
    } catch (err) {
      this.#log.error(
        { err, kind: report.kind, tenantId: host.tenantId, hostId: host.hostId },
        'handler produced an invalid patch',
      )
      return { outcome: 'rejected', reason: 'invalid', detail: 'the report could not be stored' }
    }
    entry.pending = patch
    entry.patch = entry.patch === null ? patch : { ...entry.patch, ...patch }
    entry.effects.push(...result.effects)
    entry.quiet &&=
      source.kind === 'mqtt' &&
      report.kind !== 'presence' &&
      source.bootId === host.bootId &&
      host.agentKind === agentKind &&
      Object.keys(result.patch).length === 0 &&
      result.audit.length === 0 &&
      result.effects.length === 0
    const actor = source.kind === 'mqtt' ? 'agent' : 'agent:grpc'
    for (const draft of result.audit) {
      audit.push({
        tenantId: host.tenantId,
        hostId: host.hostId,
        ts: nowIso,
        kind: draft.kind,
        actor,
        detail: draft.detail,
      })
    }
    return {
      accepted: true,
      id,
      changed: Object.keys(result.patch).length > 0 || result.audit.length > 0,
    }
  }

  /** Its stored lastSeen is younger than the resolution (never without one). */
  #seenLately(host: Host, now: Date): boolean {
    const resolutionMs = this.#lastSeenResolutionMs
    if (resolutionMs === undefined || host.lastSeen === null) return false
    return now.getTime() - Date.parse(host.lastSeen) < resolutionMs
  }

  #settle(item: Pending, verdict: Verdict | undefined, stored: { byId: Map<string, Host> }): void {
    const { metrics } = this.#deps
    if (verdict === undefined) return item.fail(new Error('no verdict'))
    if ('outcome' in verdict) {
      metrics.rejections.inc({ reason: verdict.reason })
      const level = verdict.reason === 'unknown-host' || verdict.reason === 'invalid' ? 'warn' : 'debug'
      this.#log[level](
        { reason: verdict.reason, detail: verdict.detail, kind: item.report.kind, ...item.key },
        'report rejected',
      )
      return item.settle(verdict)
    }
    const host = stored.byId.get(verdict.id)
    if (host === undefined) return item.fail(new Error(`host ${verdict.id} was not written`))
    if (!verdict.changed) metrics.unchanged.inc({ leaf: item.report.kind })
    item.settle({ outcome: 'accepted', host, changed: verdict.changed })
  }
}

/**
 * The host as projected after every accepted report of the batch so far (applies the pending patch, which #handle
 * checked with assertPatch before it became pending).
 */
function projected(entry: HostWork, now: Date): Host {
  if (entry.pending !== null) {
    entry.projected = applyCheckedPatch(entry.projected, entry.pending, now)
    entry.pending = null
  }
  return entry.projected
}
