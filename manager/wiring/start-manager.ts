import { acmCertificateReader } from '../core/acm-certificates.ts'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { CredentialEntry } from '../../broker/auth/credentials.ts'
import type { RunningBroker } from '../../broker/create-broker.ts'
import type { Logger } from '../../lib/log.ts'
import { busCheck, combineChecks, inventoryCheck, readinessMetrics } from '../api/readiness.ts'
import { createApiServer, type ApiServer } from '../api/server.ts'
import { createSessionStore } from '../api/sessions/session-store.ts'
import { collectDefaultMetrics } from 'prom-client'
import { attachCore } from '../bus/attach.ts'
import { ADMIN_TOKEN_FILE_NAME, ensureAdminToken } from './admin-token.ts'
import type { ManagerBus } from '../bus/mqtt-bus.ts'
import { withoutCredentials } from '../../lib/url.ts'
import { configSummary, type ManagerConfig } from '../config/config.ts'
import { createDmtApi, powerDepsOf } from '../dmt/dmt-api.ts'
import { createPowerSweep } from '../dmt/power-sweep.ts'
import { createRegistrationSweep } from '../dmt/registration-sweep.ts'
import type { Dmt } from '../dmt/create-dmt.ts'
import { createMpsPasswordCopy } from './mps-password-copy.ts'
import { createManagerCore, type ManagerCore } from '../core/manager-core.ts'
import { loadConsoleAssets } from '../console/assets/load-assets.ts'
import { consolePlugin } from '../console/plugin.ts'
import type { GrpcBridge } from '../grpc/server.ts'
import type { Inventory } from '../inventory/port.ts'
import { createManagerMetrics } from '../metrics/metrics.ts'
import type { AmtPasswords } from '../secrets/amt-password-source.ts'
import type { SecretStore } from '../secrets/port.ts'
import { brokerAuthEndpoint } from './broker-auth.ts'
import { externalBroker, startEmbeddedBroker, urlHost } from './broker-link.ts'
import { startGrpcBridge } from './grpc.ts'
import { watchConnectionPressure } from './connection-pressure.ts'
import { createIntegrations } from './integrations.ts'
import { openStores } from './stores.ts'
import { openClusterLease, watchReplicas } from './lease.ts'
import { openHostChangeRelay } from './host-change-relay.ts'
import { whileHeld } from '../ports/lease.ts'
import { waitFor } from './wait-for.ts'
import { RolloutEngine } from '../core/rollouts/rollout-engine.ts'
import { RolloutRetention } from '../core/rollouts/rollout-retention.ts'
import { RolloutService } from '../core/rollouts/rollout-service.ts'
import { createRolloutMetrics } from '../metrics/rollout-metrics.ts'

export interface StartOptions {
  /** The root logger (components take children with their own `module`). */
  log: Logger
  /** In-memory integrator principals for the embedded broker, on top of integratorsFile (the demo's). */
  integrators?: readonly CredentialEntry[]
}

export interface RunningManager {
  config: ManagerConfig
  inventory: Inventory
  secretStore: SecretStore
  passwords: AmtPasswords
  /** RPS/MPS; null when not configured. */
  dmt: Dmt | null
  core: ManagerCore
  bus: ManagerBus
  broker: RunningBroker | null
  api: ApiServer
  /** The gRPC bridge; null when not configured. */
  grpc: GrpcBridge | null
  /** http://host:port the API listens on (the actual port when 0 was configured). */
  apiUrl: string
  /** The broker as the manager reaches it (embedded: the loopback TCP listener). */
  brokerUrl: string
  /** The broker URL told to devices with a new credential, when known. */
  deviceBrokerUrl: string | undefined
  /** Where the first admin token was written (it may have been removed since). */
  adminTokenFile: string
  /** Stops intake (gRPC, API), finishes queued work, then closes bus, broker, secret store and Inventory, in that order. Idempotent. */
  close(): Promise<void>
}

/**
 * Builds the object graph in dependency order: Inventory → tokens → the console's sessions and wave history
 * (stores.ts) → first admin token → the lease of once-cluster-wide work (lease.ts) → secret store → passwords →
 * RPS/MPS (or "not configured", said once) → embedded broker (device credentials from Inventory) → manager bus →
 * (PostgreSQL) replica presence, the host-change relay → core (passwords for secret/req, preparer, profile names,
 * host removal; deadline checks and audit pruning while the lease is held; its live host changes NOTIFYed to the
 * other replicas, theirs LISTENed to) → attachCore (connects; the sweep republishes desired from Inventory) → wait
 * for the broker and LISTEN (bounded by startup.timeoutMs) → RPS/MPS sweeps (power state; MPS registration, its
 * first round at once; both while the lease is held) → the rollout engine (while the lease is held) → API listen →
 * gRPC bridge. A failure closes what was opened;
 * close() goes in reverse order.
 */
export async function startManager(config: ManagerConfig, options: StartOptions): Promise<RunningManager> {
  const { log: root } = options
  const log = root.child({ module: 'main' })
  const closers: Array<{ name: string; close: () => Promise<void> }> = []
  const closeAll = async (): Promise<void> => {
    for (const { name, close } of closers.reverse().splice(0))
      await close().catch((err: unknown) => log.error({ err, component: name }, 'close failed'))
  }
  try {
    log.info({ config: configSummary(config) }, 'starting')
    const stores = await openStores(config, root)
    closers.push({ name: 'stores', close: () => stores.close() })
    const { inventory, tokens } = stores
    const adminTokenFile = path.join(config.dataDir, ADMIN_TOKEN_FILE_NAME)
    await ensureAdminToken(tokens, adminTokenFile, log)
    const metrics = createManagerMetrics(inventory)
    // The process itself (RSS, heap, GC, event-loop lag, handles): what an operator watches next to the fleet.
    collectDefaultMetrics({ register: metrics.registry })
    const lease = await openClusterLease(config, { pool: stores.pool, log: root, metrics })
    closers.push({ name: 'lease', close: () => lease.stop() })
    const integrations = createIntegrations(config, { inventory, log: root, registry: metrics.registry })
    closers.push({ name: 'secrets', close: () => integrations.close() })
    const { secretStore, passwords, dmt, profiles } = integrations

    const link =
      config.broker.mode === 'embedded'
        ? await startEmbeddedBroker(config.broker, inventory, {
            ...options,
            cluster: { password: config.credentials.redisPassword, startupTimeoutMs: config.startup.timeoutMs },
          })
        : await externalBroker(config, { log: root, registry: metrics.registry, inventory })
    const { accounts } = link
    if (accounts) closers.push({ name: 'broker accounts', close: () => accounts.close() })
    const { broker } = link
    if (broker) closers.push({ name: 'broker', close: () => broker.close() })
    const stopPressure = watchConnectionPressure({ registry: metrics.registry, log: root, broker })
    closers.push({ name: 'fd sampler', close: () => Promise.resolve(stopPressure()) })
    const bus = link.createBus(root)
    closers.push({ name: 'bus', close: () => bus.close() })
    const replicas = await watchReplicas(config, { pool: stores.pool, bus, log: root })
    if (replicas) closers.push({ name: 'replica presence', close: () => replicas.stop() })
    // Stopped after the core (closers run in reverse): the core's last changes are still sent.
    const relay = openHostChangeRelay(config, { pool: stores.pool, inventory, metrics, log: root })
    if (relay) closers.push({ name: 'host-change relay', close: () => relay.stop() })

    const acmCertificates = acmCertificateReader(config.acm.certificates, inventory)
    const mpsCopy = createMpsPasswordCopy(config, { store: secretStore, inventory })
    const core = createManagerCore({
      inventory,
      acmCertificates,
      outbound: bus,
      log: root,
      metrics,
      secrets: passwords,
      restorer: passwords,
      rotator: passwords,
      mpsCopy,
      preparer: integrations.preparer,
      profiles,
      removal: integrations.removal(broker, accounts),
      lease,
      ...(relay ? { hostChangeRelay: relay.sink } : {}),
      options: {
        ...(integrations.rpsUrl === undefined ? {} : { rpsUrl: integrations.rpsUrl }),
        deadlines: config.deadlines,
        audit: config.audit,
        hostChangeBuffer: config.api.hostChanges.replayBuffer,
        // SQLite: one process writes the Inventory; PostgreSQL: replicas may (docs/replicas.md).
        soleWriter: stores.pool === null,
      },
    })
    closers.push({ name: 'core', close: () => core.stop() })
    const rollouts = new RolloutService({ store: stores.rollouts, inventory, now: () => new Date(), mpsCopy })
    const rolloutMetrics = createRolloutMetrics(metrics.registry, stores.rollouts)
    const rolloutEngine = new RolloutEngine({
      store: stores.rollouts,
      findHosts: (keys) => inventory.findHosts(keys),
      setDesired: (selector, request, actor) => core.setDesired(selector, request, actor),
      rotatePassword: (key, actor) => core.rotatePassword(key, actor),
      outbound: bus,
      now: () => new Date(),
      log: root,
      metrics: rolloutMetrics,
    })
    const rolloutRetention = new RolloutRetention({
      store: stores.rollouts,
      log: root,
      deleted: rolloutMetrics.deleted,
      now: () => new Date(),
      policy: config.rollouts.retention,
    })
    relay?.listen(core.peerChanges)
    const firstSweep = new Promise<void>((resolve) =>
      attachCore(bus, core, { log: root, metrics, afterSweep: resolve }),
    )
    await waitFor(`the broker at ${withoutCredentials(link.brokerUrl)}`, firstSweep, config.startup.timeoutMs, log)
    // Before the API serves live streams: they carry the other replicas' changes from the start.
    if (relay) await waitFor('LISTEN on PostgreSQL', relay.listening(), config.startup.timeoutMs, log)

    const readiness = combineChecks(inventoryCheck(inventory), busCheck(bus))
    readinessMetrics(metrics.registry, readiness)
    const sessions = createSessionStore(config.api.console, stores.sessions)
    const brokerAuth = await brokerAuthEndpoint(config, link, { inventory, log: root })
    const consoleContext = {
      inventory,
      tokens,
      sessions,
      waves: stores.waves,
      hostChanges: core.hostChanges,
      rollouts,
      acmCertificates,
      log: root,
      assets: await loadConsoleAssets(),
    }
    const api = createApiServer({
      inventory,
      domain: core,
      tokens,
      sessions,
      log: root,
      extensions: [consolePlugin(consoleContext)],
      metrics: metrics.registry,
      limits: config.api.limits,
      hostChangeStreams: config.api.hostChanges,
      passwords,
      acmCertificates,
      ...(dmt === null ? {} : { dmt: createDmtApi({ dmt, inventory, core, log: root }) }),
      readiness,
      rollouts,
      ...(link.deviceBrokerUrl ? { deviceBrokerUrl: link.deviceBrokerUrl } : {}),
      ...(accounts ? { brokerAccounts: accounts } : {}),
      ...(brokerAuth ? { brokerAuth } : {}),
    })
    closers.push({ name: 'api', close: () => api.close() })
    // Stopped before the API and the core (closers run in reverse): no start after them.
    const failedStop = (err: unknown) => log.error({ err }, 'the rollout engine did not stop cleanly')
    closers.push({ name: 'rollouts', close: whileHeld(lease, rolloutEngine, failedStop) })
    const failedRetention = (err: unknown) => log.error({ err }, 'the rollout retention did not stop cleanly')
    closers.push({ name: 'rollout retention', close: whileHeld(lease, rolloutRetention, failedRetention) })
    if (dmt !== null && config.dmt !== null) {
      const { powerSweep, registrationSweep } = config.dmt
      const power = powerDepsOf({ dmt, inventory, core, log: root })
      const { registration } = dmt
      const sweeps = [
        { name: 'power sweep', sweep: createPowerSweep({ power, inventory, options: powerSweep }) },
        {
          name: 'MPS registration sweep',
          sweep: createRegistrationSweep({ registration, inventory, options: registrationSweep, log: root }),
        },
      ]
      for (const { name, sweep } of sweeps) {
        const failed = (err: unknown) => log.error({ err, sweep: name }, 'the sweep did not stop cleanly')
        closers.push({ name, close: whileHeld(lease, sweep, failed) })
      }
    }
    await api.listen({ host: config.api.host, port: config.api.port })
    const apiUrl = `http://${urlHost(config.api.host)}:${(api.server.address() as AddressInfo).port}`

    const grpc =
      config.grpc === null
        ? null
        : await startGrpcBridge(config.grpc, {
            core,
            secrets: passwords,
            profiles,
            log: root,
            metrics: metrics.registry,
          })
    if (grpc) closers.push({ name: 'grpc', close: () => grpc.stop() })
    log.info(
      { api: apiUrl, mqtt: link.deviceBrokerUrl ?? withoutCredentials(link.brokerUrl), grpcPort: grpc?.port ?? null },
      'manager ready',
    )

    let closing: Promise<void> | undefined
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        log.info('stopping')
        await closeAll()
        log.info('stopped')
      })())
    const urls = { apiUrl, brokerUrl: link.brokerUrl, deviceBrokerUrl: link.deviceBrokerUrl }
    return {
      config,
      inventory,
      secretStore,
      passwords,
      dmt,
      core,
      bus,
      broker,
      api,
      grpc,
      ...urls,
      adminTokenFile,
      close,
    }
  } catch (err) {
    await closeAll()
    throw err
  }
}
