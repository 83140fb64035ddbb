import type { AcmCertificates } from './acm-certificates.ts'
import type { Logger } from '../../lib/log.ts'
import type { Outbound } from '../ports/outbound.ts'
import { TENANT_PROFILES, type ActivationProfiles } from './publish/activation-profile.ts'
import { activationDeadline, DeadlineWatch, DEFAULT_DEADLINES, type DeadlineOptions } from './flows/deadlines.ts'
import { CleanupRetry } from './flows/cleanup-retry.ts'
import { completeDeletion, removeHost, requestDeletion, type DeletionOutcome } from './flows/deletion.ts'
import { DesiredPublisher } from './publish/desired-publisher.ts'
import { expireActivation } from './flows/expire-activation.ts'
import { INVENTORY_ONLY, type HostRemoval } from './flows/host-removal.ts'
import { republishAll, type SweepResult } from './flows/republish.ts'
import { setDesired, type DesiredRequest } from './flows/set-desired.ts'
import type {
  AuditOfStored,
  Host,
  HostKey,
  HostPatch,
  HostSelector,
  Inventory,
  PasswordRotation,
} from '../inventory/port.ts'
import { PolicyReevaluation } from './flows/policy-reevaluation.ts'
import { NotFoundError } from '../inventory/errors.ts'
import type { HostWriter } from '../ports/host-writer.ts'
import { singleProcessLease, whileHeld, type Lease } from '../ports/lease.ts'
import { followPendingDeadlines } from './flows/pending-deadlines.ts'
import type { ManagerMetrics } from '../metrics/metrics.ts'
import { StatusPublisher } from './publish/status-publisher.ts'
import {
  HostChangeFeed,
  type HostChanges,
  type HostChangeSink,
  type PeerHostChanges,
} from './publish/host-change-feed.ts'
import { AuditRetention, DEFAULT_AUDIT_RETENTION, type AuditRetentionPolicy } from './audit-retention.ts'
import type { CoreContext } from './context.ts'
import type { RecordOptions, RecordResult, Report, ReportSource } from './facts.ts'
import { HostBook, keyOf } from './host-book.ts'
import { HostWritePath } from './host-write-path.ts'
import { Ingest, type Committed } from './ingest.ts'
import {
  noMpsPasswordCopy,
  noPasswordRestorer,
  noPreparation,
  noSecretStore,
  type AmtPasswordSource,
  type MpsPasswordCopy,
  type PasswordRestorer,
  type PasswordRotator,
  type ProvisioningPreparer,
} from '../ports/provisioning.ts'
import { rotatePassword } from './flows/rotate-password.ts'
import { RotationFinisher } from './rotation-settle.ts'
import { rotationDeadline, rotationResume } from './flows/rotation-deadline.ts'
import { restorePassword } from './password-restore.ts'
import { createReportBudgets, type ReportBudgetOptions } from './report-budgets.ts'
import { createSecretResponder } from './secret-responder.ts'
import { tenantWrites, type TenantWrites } from './tenant-writes.ts'

/**
 * The config sections the core uses pass through as the YAML names them (docs/operations.md): `deadlines` and
 * `audit`; a key left out takes the default the config would have given it (DEFAULT_DEADLINES, ...). The other
 * options are not configurable: tests and benchmarks set them.
 */
export interface ManagerCoreOptions {
  /** RPS activation endpoint put into every desired (ws:// or wss://); absent: agents use their own config. */
  rpsUrl?: string
  /** Config `deadlines`: activation and rotation deadlines and their check, retry of a failed deletion cleanup. */
  deadlines?: Partial<DeadlineOptions>
  /** Config `audit`: retention (pruning from start() on) and the per-host budgets of events and secret/req. */
  audit?: { retention?: AuditRetentionPolicy } & ReportBudgetOptions
  /** Reports per Inventory transaction, default 1000. */
  maxBatch?: number
  /** Hosts kept in the write-through cache, default 100 000. */
  maxCachedHosts?: number
  /** Republish `status` for a moved lastSeen, and store that of quiet reports (ingest.ts), after this long; 60 s. */
  lastSeenResolutionMs?: number
  /**
   * This process is the Inventory's only writer (SQLite): MQTT reports that change nothing are not written within
   * lastSeenResolutionMs of the stored lastSeen (ingest.ts). Default false: every accepted report is written.
   */
  soleWriter?: boolean
  /** Hosts per Inventory page in the reconnect sweep, default 1000. */
  sweepPageSize?: number
  /** Config `api.hostChanges.replayBuffer`: recent host changes kept for live streams to resume, default 10 000. */
  hostChangeBuffer?: number
}

export interface ManagerCoreDeps {
  inventory: Inventory
  outbound: Outbound
  log: Logger
  metrics: ManagerMetrics
  /** Default: refuses every request ("no secret store configured"); issue 5 plugs Vault in. */
  secrets?: AmtPasswordSource
  /** Makes a password candidate AMT accepted current again; default: none (no secret store). */
  restorer?: PasswordRestorer
  /** Stages and reverts AMT password rotations; default: none (rotation refused: no secret store). */
  rotator?: PasswordRotator
  /** MPS's copy of a rotated password (config rotation.mpsPasswordCopy); default: no MPS, nothing to copy. */
  mpsCopy?: MpsPasswordCopy
  /** Default: nothing to prepare; issue 5 ensures RPS profiles and passwords. */
  preparer?: ProvisioningPreparer
  /** Which RPS profile `desired` names; default: the tenant's `<tenant>_ccm|_acm` (RPS not managed). */
  profiles?: ActivationProfiles
  /** Host records outside Inventory removed with a deleted host; default: none. */
  removal?: HostRemoval
  /**
   * The lease of once-cluster-wide work: the deadline checks and audit pruning run only while it is held; default:
   * this process alone (always held).
   */
  lease?: Lease
  /** Hears of this process's host changes (after their commit) to pass them to the other replicas; default none. */
  hostChangeRelay?: HostChangeSink
  /** The tenant's ACM provisioning certificates (config `acm`), for the effective policy; default none. */
  acmCertificates?: AcmCertificates
  now?: () => Date
  options?: ManagerCoreOptions
}

/**
 * The manager's domain API. Transport-neutral: the MQTT dispatcher and the gRPC bridge both call `record`; the
 * HTTP API and CLI call setDesired / requestDeletion / getHost and write tenants through it (the profile names
 * follow); the layers below write hosts through its HostWriter side (updateHost, refreshHost).
 */
export interface ManagerCore extends HostWriter, TenantWrites {
  /**
   * Records one report about a host (`{ kind, facts }`, facts typed by kind: facts.ts) through the ingest; resolves
   * once it is stored or rejected (README.md "API").
   */
  record: (key: HostKey, report: Report, source: ReportSource, options?: RecordOptions) => Promise<RecordResult>
  /**
   * Rotates one host's AMT password (docs/credentials.md "Rotation"): the new one stored first, the rotation
   * recorded as pending with a new desired generation carrying its id; the agent's outcome settles it.
   */
  rotatePassword(key: HostKey, actor: string): Promise<{ host: Host; rotation: PasswordRotation }>
  /** Writes desired for the selected hosts (generation + 1 each), then publishes it. Returns the stored hosts. */
  setDesired(selector: HostSelector, request: DesiredRequest, actor: string): Promise<Host[]>
  requestDeletion(key: HostKey, actor: string, options?: { force?: boolean }): Promise<DeletionOutcome>
  /** The host as this process knows it (write-through cache over Inventory). */
  getHost(key: HostKey): Promise<Host | null>
  /**
   * A write computed from the host as stored (`edit` → patch; null: nothing), through the write path, with its
   * audit in the same transaction; a version conflict re-reads and asks `edit` again. Null when there is no host.
   */
  editHost(
    key: HostKey,
    edit: (host: Host) => HostPatch | null,
    options?: { audit?: AuditOfStored },
  ): Promise<Host | null>
  /** Republishes desired + status of every host from Inventory (the bus calls it after every (re)connect). */
  republishAll(): Promise<SweepResult>
  /**
   * Applies overdue deadlines now (activations, rotations, unfinished work after a settled rotation); the timer does
   * it every deadlines.checkIntervalMs on the lease holder. Returns how many were overdue.
   */
  checkDeadlines(): Promise<number>
  /** Starts the deadline timer and audit pruning, each while the lease is held. */
  start(): void
  /** Stops the timer and waits for queued work. */
  stop(): Promise<void>
  /** Resolves when every report and write submitted so far is done (tests, shutdown). */
  idle(): Promise<void>
  /** Live host changes, fed with every `status` publication and deletion (the API's …/hosts/changes streams). */
  readonly hostChanges: HostChanges
  /** Where the relay between replicas feeds the other replicas' changes into `hostChanges`. */
  readonly peerChanges: PeerHostChanges
}

/** Without a secret store there is nothing to rotate. */
const noRotator: PasswordRotator = {
  stage: () => Promise.resolve(null),
  revert: () => Promise.resolve({ restored: false, reason: 'no secret store configured' }),
}

/** Builds the core; nothing starts (call start(), or attachCore). Throws a TypeError for invalid options. */
export function createManagerCore(deps: ManagerCoreDeps): ManagerCore {
  const options = deps.options ?? {}
  const now = deps.now ?? (() => new Date())
  const log = deps.log.child({ module: 'manager-core' })
  const { metrics, outbound } = deps
  const book = new HostBook(
    deps.inventory,
    options.maxCachedHosts === undefined ? {} : { maxCached: options.maxCachedHosts },
  )
  const deadlines: DeadlineOptions = {
    activationMs: options.deadlines?.activationMs ?? DEFAULT_DEADLINES.activationMs,
    rotationMs: options.deadlines?.rotationMs ?? DEFAULT_DEADLINES.rotationMs,
    checkIntervalMs: options.deadlines?.checkIntervalMs ?? DEFAULT_DEADLINES.checkIntervalMs,
    deletionRetry: options.deadlines?.deletionRetry ?? DEFAULT_DEADLINES.deletionRetry,
  }
  const { audit = {} } = options
  const profiles = deps.profiles ?? TENANT_PROFILES
  const lease = deps.lease ?? singleProcessLease('core')
  const hostChanges = new HostChangeFeed({
    ...(options.hostChangeBuffer === undefined ? {} : { capacity: options.hostChangeBuffer }),
    ...(deps.hostChangeRelay === undefined ? {} : { relay: deps.hostChangeRelay }),
  })
  const rotationCore = () => ({ ctx, finisher: rotationFinisher })
  const published = {
    outbound,
    removal: deps.removal ?? INVENTORY_ONLY,
    desired: new DesiredPublisher(outbound, {
      ...(options.rpsUrl !== undefined ? { rpsUrl: options.rpsUrl } : {}),
      profiles,
      now,
      metrics,
      log,
    }),
    status: new StatusPublisher(outbound, {
      now,
      metrics,
      log,
      changes: hostChanges,
      ...(options.lastSeenResolutionMs !== undefined ? { lastSeenResolutionMs: options.lastSeenResolutionMs } : {}),
    }),
    deadlines: new DeadlineWatch({
      checkIntervalMs: deadlines.checkIntervalMs,
      now,
      log,
      kinds: [
        activationDeadline(deadlines.activationMs, (key, requestedAt) =>
          expireActivation(ctx, key, requestedAt, deadlines.activationMs),
        ),
        rotationDeadline(rotationCore, deadlines.rotationMs),
        rotationResume(rotationCore, deadlines.checkIntervalMs),
      ],
      ...(lease.shared ? { follow: () => followPendingDeadlines(ctx) } : {}),
    }),
  }
  const writes = new HostWritePath({ ...published, book, inventory: deps.inventory, log, profiles })
  const ctx: CoreContext = {
    ...published,
    book,
    writes,
    profiles,
    log,
    metrics,
    now,
    preparer: deps.preparer ?? noPreparation,
    cleanupRetry: new CleanupRetry({
      deletionRetry: deadlines.deletionRetry,
      log,
      retry: (key, reason) => removeHost(ctx, key, 'manager', reason),
    }),
  }
  const policy = new PolicyReevaluation({
    inventory: deps.inventory,
    fresh: (key) => book.fresh(key),
    setDesired: (selector, request, actor) => setDesired(ctx, selector, request, actor),
    certificates: deps.acmCertificates ?? (() => Promise.resolve([])),
    now,
    log,
  })
  const stopping = new AbortController()
  const rotation = {
    rotator: deps.rotator ?? noRotator,
    mpsCopy: deps.mpsCopy ?? noMpsPasswordCopy,
  }
  const settleDeps = {
    ...rotation,
    inventory: deps.inventory,
    log,
    now,
    signal: stopping.signal,
    edit: (key: HostKey, edit: (host: Host) => HostPatch | null) => book.serial(() => writes.update(key, edit)),
  }
  const rotationFinisher: RotationFinisher = new RotationFinisher(settleDeps)
  const secretResponder = createSecretResponder({ secrets: deps.secrets ?? noSecretStore, outbound, log, metrics, now })

  const afterCommit = (committed: readonly Committed[]): void => {
    for (const { host, effects } of committed) {
      for (const effect of effects) {
        const key = keyOf(host)
        if (effect.kind === 'activation-settled') {
          metrics.activations.inc({ result: effect.result })
          if (effect.result === 'provisioned') {
            metrics.activationDuration.observe(Math.max(0, now().getTime() - Date.parse(effect.requestedAt)) / 1000)
          }
        } else if (effect.kind === 'answer-secret') {
          secretResponder
            .answer(key, effect.request, effect.rotation)
            .catch((err: unknown) => log.error({ err, ...key }, 'secret request not answered'))
        } else if (effect.kind === 'restore-password') {
          const restoreDeps = { restorer: deps.restorer ?? noPasswordRestorer, inventory: deps.inventory, log }
          restorePassword(restoreDeps, key, effect)
            .then((restored) => restored && rotationFinisher.restored(key, effect.candidate))
            .catch((err: unknown) => log.error({ err, ...key }, 'password candidate not restored'))
        } else if (effect.kind === 'rotation-settled') {
          rotationFinisher
            .finish(key, effect.rotation)
            .catch((err: unknown) => log.error({ err, ...key }, 'password rotation not settled'))
        } else if (effect.kind === 'refuse-secret') {
          secretResponder.refuse(key, effect.request, effect.reason)
        } else if (effect.kind === 'identity-mismatch') {
          log.warn({ ...key, amtUuid: effect.amtUuid }, 'the AMT UUID reported by amtinfo differs from the host id')
        } else if (effect.kind === 'policy-facts-changed') {
          policy.trigger(key)
        } else {
          completeDeletion(ctx, key).catch((err: unknown) =>
            log.error({ err, ...key }, 'deletion could not be completed'),
          )
        }
      }
    }
  }
  const ingest = new Ingest({
    book,
    writes,
    log,
    metrics,
    now,
    admit: createReportBudgets(audit, { metrics, log }),
    afterCommit,
    ...(options.maxBatch !== undefined ? { maxBatch: options.maxBatch } : {}),
    ...(options.soleWriter === true ? { lastSeenResolutionMs: options.lastSeenResolutionMs ?? 60_000 } : {}),
  })
  const retention = new AuditRetention({
    inventory: deps.inventory,
    log,
    metrics,
    now,
    policy: audit.retention ?? DEFAULT_AUDIT_RETENTION,
  })
  let sweeps = 0
  const leased: Array<() => Promise<void>> = []

  return {
    // The ingest's submit and the set-desired flow themselves (bound), not wrappers around them.
    record: ingest.submit,
    setDesired: setDesired.bind(null, ctx),
    rotatePassword: (key, actor) => rotatePassword(ctx, rotation, key, actor),
    requestDeletion: (key, actor, deletionOptions) => requestDeletion(ctx, key, actor, deletionOptions),
    getHost: (key) => book.fresh(key),
    updateHost: async (key, patch, writeOptions) => {
      const stored = await book.serial(() => writes.update(key, () => patch, writeOptions))
      if (stored === null) throw new NotFoundError('host', { tenantId: key.tenantId, hostId: key.hostId })
      return stored
    },
    editHost: (key, edit, editOptions) => book.serial(() => writes.update(key, edit, editOptions)),
    refreshHost: (key, writeOptions) => book.serial(() => writes.refresh(key, writeOptions)),
    ...tenantWrites(deps.inventory, profiles),
    republishAll: () => {
      const sweep = ++sweeps
      return republishAll(ctx, {
        superseded: () => sweep !== sweeps,
        ...(options.sweepPageSize ? { pageSize: options.sweepPageSize } : {}),
      })
    },
    checkDeadlines: () => ctx.deadlines.check(),
    start: () => {
      if (leased.length > 0) return
      const failed = (err: unknown) => log.error({ err }, 'leased work did not stop cleanly')
      leased.push(whileHeld(lease, ctx.deadlines, failed), whileHeld(lease, retention, failed))
    },
    stop: async () => {
      stopping.abort()
      ctx.cleanupRetry.stop()
      for (const stop of leased.splice(0)) await stop()
      await retention.stop()
      await ctx.deadlines.stop()
      await ingest.idle()
      await policy.idle()
      await book.idle()
      hostChanges.close()
    },
    idle: async () => {
      await ingest.idle()
      await policy.idle()
      await book.idle()
    },
    hostChanges,
    peerChanges: hostChanges,
  }
}
