/**
 * The world of the console's live browser tests: the REAL manager in this process (startManager: SQLite, embedded
 * broker, the API with the console; test/integration/fleet-harness.ts) and a simulated fleet running the real agent
 * code over MQTT (createFleet), so every change a page shows went agent → broker → core → write path → the live
 * feed → the SSE stream → the page. Everything is released in t.teardown.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import { createFleet, type Fleet, type HostCredentials, type HostKind } from '../../../agent/simulate/index.ts'
import { silentLogger } from '../../../lib/log.ts'
import { parseManagerConfig } from '../../../manager/config/config.ts'
import type { Host } from '../../../manager/inventory/port.ts'
import { startManager, type RunningManager } from '../../../manager/wiring/start-manager.ts'
import { freePort } from '../../helpers/free-port.ts'
import { pollUntil, type PollProbe } from '../../helpers/poll-until.ts'

export const TENANT = 'fleet'

export interface PlannedHost {
  hostId: string
  kind: HostKind
  name?: string
}

export interface LiveFleet {
  running: RunningManager
  /** The manager's HTTP base URL (API and console). */
  url: string
  fleet: Fleet
  /** A new token of the tenant for `role` (POST /api/v1/tokens with the admin token). */
  token(role: 'viewer' | 'operator' | 'admin', name: string): Promise<string>
  /** The host as stored in Inventory. */
  host(hostId: string): Promise<Host>
}

/** Rpc latency of the simulated devices: an activation takes a few steps of this, so a wave can be watched. */
const RPC_LATENCY = { kind: 'uniform', minMs: 50, maxMs: 300 } as const
/** One wait on the manager and the fleet: seconds when idle, much more on a loaded 2-core machine. */
const STEP_TIMEOUT_MS = 90_000

/**
 * The manager, the tenant, the hosts registered through the API and their agents started; resolves once every
 * agent's first state report is in Inventory (a capable host then reads UNPROVISIONED).
 */
export async function startLiveFleet(t: ExecutionContext, plan: readonly PlannedHost[]): Promise<LiveFleet> {
  const running = await startLiveManager(t)
  const url = running.apiUrl
  const admin = (await readFile(running.adminTokenFile, 'utf8')).trim()
  const call = <T>(method: string, urlPath: string, body: unknown) =>
    callWithToken(url, admin, method, urlPath, body) as Promise<{ status: number; json: T }>
  const created = await call('POST', '/api/v1/tenants', { tenantId: TENANT })
  if (created.status !== 201) throw new Error(`create tenant: HTTP ${created.status}`)
  const hosts: HostCredentials[] = []
  for (const { hostId, kind, name } of plan) {
    const answer = await call<{ mqtt: { username: string; password: string } }>(
      'POST',
      `/api/v1/tenants/${TENANT}/hosts`,
      { hostId, ...(name === undefined ? {} : { name }) },
    )
    if (answer.status !== 201) throw new Error(`register ${hostId}: HTTP ${answer.status}`)
    const { username, password } = answer.json.mqtt
    hosts.push({ tenantId: TENANT, hostId, username, password, kind })
  }
  const fleet = createFleet({
    brokerUrl: running.brokerUrl,
    hosts,
    latency: RPC_LATENCY,
    agent: { reconnectMinMs: 100, reconnectMaxMs: 1000, reconcileIntervalMs: 600_000, connectTimeoutMs: 30_000 },
    logLevel: 'silent',
  })
  t.teardown(() => fleet.stop())
  await fleet.start()
  const host = (hostId: string) => running.inventory.getHost({ tenantId: TENANT, hostId })
  await until(async () => {
    const waiting = (await Promise.all(plan.map(({ hostId }) => host(hostId)))).filter((one) => one.phase === null)
    return waiting.length === 0 || `${waiting.length} hosts without a state report`
  }, 'every first state report in Inventory')
  return {
    running,
    url,
    fleet,
    async token(role, name) {
      const answer = await call<{ token: string }>('POST', '/api/v1/tokens', { role, tenant: TENANT, name })
      if (answer.status !== 201) throw new Error(`create a ${role} token: HTTP ${answer.status}`)
      return answer.json.token
    },
    host,
  }
}

/** The manager with its embedded broker (a free loopback port) and the API on port 0, data in a temp dir. */
async function startLiveManager(t: ExecutionContext): Promise<RunningManager> {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-console-live-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const loaded = parseManagerConfig(
    {
      dataDir: path.join(dir, 'data'),
      api: { port: 0 },
      broker: { embedded: { tcp: { port: await freePort() } } },
    },
    { env: {} },
  )
  if (!loaded.ok) throw new Error(loaded.problems.join('; '))
  const running = await startManager(loaded.config, { log: silentLogger() })
  t.teardown(() => running.close())
  return running
}

/** Polls `probe` (an observable effect) until it returns true; fails with `what` and the last detail. */
export const until = (probe: PollProbe, what: string, timeoutMs = STEP_TIMEOUT_MS): Promise<void> =>
  pollUntil(probe, what, timeoutMs)

/** A JSON API call with a Bearer token (not through any page). */
export async function callWithToken(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: response.status, json: await response.json() }
}
