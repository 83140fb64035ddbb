/**
 * The fleet integration tests' world: the REAL manager in this process (startManager: SQLite Inventory in a temp
 * dir, embedded broker on a fixed loopback port so it can be restarted, HTTP API) and an in-process simulated fleet
 * (createFleet: real agent code over mqtt.js, simulated AMT) whose hosts were registered through the API.
 * Everything is released in t.teardown.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import { createFleet, type Fleet, type HostCredentials, type HostKind } from '../../agent/simulate/index.ts'
import type { CredentialEntry } from '../../broker/auth/credentials.ts'
import { silentLogger } from '../../lib/log.ts'
import { parseManagerConfig } from '../../manager/config/config.ts'
import type { Host } from '../../manager/inventory/port.ts'
import { startManager, type RunningManager } from '../../manager/wiring/start-manager.ts'
import { DesiredTracker } from '../bench/fleet-desired-tracker.ts'
import { freePort, tempDir } from '../e2e/support/processes.ts'
import { pollUntil, type PollProbe } from '../helpers/poll-until.ts'

export const TENANT = 'fleet'
const REGISTRATION_CONCURRENCY = 8

export interface FleetManager {
  readonly running: RunningManager
  api<T>(method: string, urlPath: string, body?: unknown): Promise<{ status: number; json: T }>
  /** Every host of the tenant as stored in Inventory. */
  hosts(): Promise<Host[]>
  /**
   * Closes the manager (its embedded broker and retained store go with it), then starts it again on the same data and
   * ports; `more` replaces config sections for the new start (e.g. the tenant's `acm` certificates).
   */
  restart(between?: () => Promise<void>, more?: Record<string, unknown>): Promise<void>
  readonly dataDir: string
}

/**
 * The manager with its embedded broker, in this process; `more` adds config sections (e.g. `acm`), `integrators`
 * read-only principals of the embedded broker.
 */
export async function startFleetManager(
  t: ExecutionContext,
  more: Record<string, unknown> = {},
  integrators: readonly CredentialEntry[] = [],
): Promise<FleetManager> {
  const dir = await tempDir(t, 'amt-fleet-it-')
  const dataDir = path.join(dir, 'data')
  const mqttPort = await freePort()
  const configOf = (sections: Record<string, unknown>) => {
    const loaded = parseManagerConfig(
      {
        dataDir,
        api: { port: 0 },
        // Loopback: every agent comes from 127.0.0.1, so the per-address connect rate limit must allow the fleet.
        broker: {
          embedded: { tcp: { port: mqttPort }, limits: { connectRateLimit: { burst: 100_000, perSecond: 100_000 } } },
        },
        ...sections,
      },
      { env: {} },
    )
    if (!loaded.ok) throw new Error(loaded.problems.join('; '))
    return loaded.config
  }
  let config = configOf(more)
  const log = silentLogger()
  let running = await startManager(config, { log, integrators })
  t.teardown(() => running.close())
  const token = (await readFile(running.adminTokenFile, 'utf8')).trim()
  return {
    dataDir,
    get running() {
      return running
    },
    async api<T>(method: string, urlPath: string, body?: unknown) {
      const response = await fetch(`${running.apiUrl}${urlPath}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      return { status: response.status, json: (await response.json()) as T }
    },
    async hosts() {
      const hosts: Host[] = []
      let cursor: string | undefined
      do {
        const page = await running.inventory.listHosts({
          tenantId: TENANT,
          limit: 1000,
          ...(cursor === undefined ? {} : { cursor }),
        })
        hosts.push(...page.hosts)
        cursor = page.nextCursor ?? undefined
      } while (cursor !== undefined)
      return hosts
    },
    async restart(between, changed) {
      await running.close()
      await between?.()
      if (changed !== undefined) config = configOf({ ...more, ...changed })
      running = await startManager(config, { log, integrators })
    },
  }
}

/** Registered hosts: 1 in 10 without AMT/ISM (→ NOT_SUPPORTED), 2 in 10 ISM, the rest AMT (→ PROVISIONED). */
export function kindOf(index: number): HostKind {
  const position = index % 10
  return position === 9 ? 'not-capable' : position === 3 || position === 6 ? 'ism' : 'amt'
}

/**
 * Registers `count` hosts through the API (POST …/hosts, with `labels` when given); returns each with the device
 * credential it answered.
 */
export async function registerFleet(
  manager: FleetManager,
  count: number,
  labels?: Record<string, string>,
): Promise<HostCredentials[]> {
  const created = await manager.api('POST', '/api/v1/tenants', { tenantId: TENANT })
  if (created.status !== 201) throw new Error(`create tenant: HTTP ${created.status}`)
  const hosts: HostCredentials[] = new Array<HostCredentials>(count)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++
      const hostId = `node-${String(index + 1).padStart(3, '0')}`
      const answer = await manager.api<{ mqtt: { username: string; password: string } }>(
        'POST',
        `/api/v1/tenants/${TENANT}/hosts`,
        labels === undefined ? { hostId } : { hostId, labels },
      )
      if (answer.status !== 201) throw new Error(`register ${hostId}: HTTP ${answer.status}`)
      const { username, password } = answer.json.mqtt
      hosts[index] = { tenantId: TENANT, hostId, username, password, kind: kindOf(index) }
    }
  }
  await Promise.all(Array.from({ length: REGISTRATION_CONCURRENCY }, worker))
  return hosts
}

/** The fleet (zero-latency rpc, short reconnect backoff), every inbound desired recorded; stopped in t.teardown. */
export function startFleet(
  t: ExecutionContext,
  manager: FleetManager,
  hosts: readonly HostCredentials[],
  failures?: Parameters<typeof createFleet>[0]['failures'],
): { fleet: Fleet; tracker: DesiredTracker } {
  const tracker = new DesiredTracker()
  const fleet = createFleet({
    brokerUrl: manager.running.brokerUrl,
    hosts,
    ...(failures === undefined ? {} : { failures }),
    latency: { kind: 'zero' },
    // A CONNACK can take seconds for 200 agents connecting at once on a loaded machine: a short bound would drop
    // connections the broker is still authenticating and turn slowness into a reconnect storm.
    agent: { reconnectMinMs: 100, reconnectMaxMs: 1000, reconcileIntervalMs: 600_000, connectTimeoutMs: 30_000 },
    logLevel: 'silent',
    onInbound: (_host, message) => tracker.onInbound(message),
  })
  t.teardown(() => fleet.stop())
  return { fleet, tracker }
}

/**
 * Bound of one wait on the fleet: 200 agents, the manager and its broker in one process need seconds on an idle
 * machine and can need a minute on a loaded 2-core one. It only turns a hang into a failure saying how far it got.
 */
const FLEET_STEP_MS = 120_000
/** t.timeout of a fleet test (a few waits; ava's 60 s would otherwise bound the whole file). */
export const FLEET_TEST_MS = 4 * FLEET_STEP_MS

/** Polls `probe` (an observable effect) until it returns true; fails with `what` and the last detail. */
export const until = (probe: PollProbe, what: string, timeoutMs = FLEET_STEP_MS): Promise<void> =>
  pollUntil(probe, what, timeoutMs)

/** A Promise with a deadline. */
export function within<T>(promise: Promise<T>, what: string, timeoutMs = FLEET_STEP_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>(
    (_, reject) =>
      (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)),
  )
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** "3 of 200: node-001 (UNPROVISIONED), …" for a failure message. */
export function describeMisses(misses: readonly Host[], total: number): string {
  return `${misses.length} of ${total}: ${misses
    .slice(0, 5)
    .map(
      (host) =>
        `${host.hostId} (${host.phase ?? 'no state'}, desired ${host.desiredGeneration}, observed ${host.observedGeneration})`,
    )
    .join(', ')}`
}
