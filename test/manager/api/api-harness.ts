import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import type { DestinationStream } from 'pino'
import { createLogger, silentLogger } from '../../../lib/log.ts'
import type { Readiness } from '../../../manager/api/readiness.ts'
import type { BrokerAuthEndpoint } from '../../../manager/api/broker-auth/plugin.ts'
import { createApiServer, type ApiContext, type ApiServer } from '../../../manager/api/server.ts'
import { HostChangeStreamLimits, type ApiConnectionLimits } from '../../../manager/config/schema.ts'
import { ConsoleSection } from '../../../manager/config/console.ts'
import { createSessionStore, type SessionStore } from '../../../manager/api/sessions/session-store.ts'
import { issueToken } from '../../../manager/api/tokens/api-token.ts'
import { SqliteTokenStore } from '../../../manager/api/tokens/sqlite-token-store.ts'
import { TOKEN_DATABASE_FILE_NAME } from '../../../manager/config/config.ts'
import type { Role } from '../../../manager/api/tokens/token-store.ts'
import { loadConsoleAssets } from '../../../manager/console/assets/load-assets.ts'
import type { WaveHistory } from '../../../manager/console/data/wave-history.ts'
import { consolePlugin } from '../../../manager/console/plugin.ts'
import { acmCertificateReader, type AcmCertificates } from '../../../manager/core/acm-certificates.ts'
import {
  createManagerCore,
  type ManagerCore,
  type ManagerCoreDeps,
  type ManagerCoreOptions,
} from '../../../manager/core/manager-core.ts'
import type { HostPatch, Inventory } from '../../../manager/inventory/port.ts'
import { openSqliteInventory } from '../../../manager/inventory/sqlite/open.ts'
import { createManagerMetrics, type ManagerMetrics } from '../../../manager/metrics/metrics.ts'
import { AgentMessages, capable, RecordingOutbound } from '../../helpers/manager-core.ts'
import type { PasswordRotator } from '../../../manager/ports/provisioning.ts'
import { RolloutEngine } from '../../../manager/core/rollouts/rollout-engine.ts'
import { RolloutService } from '../../../manager/core/rollouts/rollout-service.ts'
import { ROLLOUT_DATABASE_FILE_NAME, SqliteRolloutStore } from '../../../manager/rollouts/sqlite-rollout-store.ts'

const CONSOLE_DEFAULTS = ConsoleSection.parse({})

export interface ApiHarness {
  app: ApiServer
  /** http://127.0.0.1:<port> */
  url: string
  dir: string
  inventory: Inventory
  core: ManagerCore
  /** The tenant's ACM certificates as eligibility reads them (none configured; the stored ones). */
  acmCertificates: AcmCertificates
  outbound: RecordingOutbound
  metrics: ManagerMetrics
  /** The SQLite token store in `dir`, as the manager keeps it (the local `tokens` commands open it there). */
  tokens: SqliteTokenStore
  /** The console's sign-in sessions (shared by the API and the console, as in the manager). */
  sessions: SessionStore
  /** The rollout engine over the real core (not started: a test calls tick()). */
  rollouts: RolloutEngine
  /** Issues a token (stored in the harness's token store) and returns its text. */
  token(role: Role, tenant: string, name?: string): Promise<string>
  request(
    method: string,
    urlPath: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Answer>
}

interface Answer {
  status: number
  headers: Headers
  text: string
  /** The parsed JSON body (undefined when not JSON). */
  json: Record<string, unknown> & { code?: string }
}

export interface HarnessOptions {
  readiness?: Readiness
  /** Receives the API's log lines (JSON); default silent. */
  logDestination?: DestinationStream
  /** Device accounts on an external broker (registration pushes to it). */
  brokerAccounts?: ApiContext['brokerAccounts']
  /** Timeouts and socket caps (config api.limits); default the production defaults. */
  limits?: ApiConnectionLimits
  /** Serve the web console (manager/console) too, as the manager does. */
  console?: boolean
  /** Config `api.hostChanges` (live streams) over its defaults. */
  hostChanges?: Partial<HostChangeStreamLimits>
  /** The sessions store; default the `api.console` defaults on the real clock. */
  sessions?: SessionStore
  /** The console's wave history; default one in memory. */
  waves?: WaveHistory
  /**
   * The data directory (SQLite Inventory, token database) of another harness: a second replica on the same files.
   * Default a fresh temp dir, removed in t.teardown.
   */
  dir?: string
  /** Serves the broker-auth endpoints, built over the harness's Inventory (config `api.brokerAuth`). */
  brokerAuth?: (inventory: Inventory) => Promise<BrokerAuthEndpoint>
  /** The core's password rotation store side and MPS copy (default: none, nothing to rotate). */
  rotation?: Pick<ManagerCoreDeps, 'rotator' | 'mpsCopy'>
}

/**
 * The real API on 127.0.0.1:0 over a SQLite Inventory in a temp dir, the real manager core with a recording
 * outbound (what the domain publishes), and the SQLite token store. Everything is released in t.teardown.
 */
export async function startApi(t: ExecutionContext, options: HarnessOptions = {}): Promise<ApiHarness> {
  const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'amt-api-')))
  const inventory = await openSqliteInventory({ dataDir: dir })
  const outbound = new RecordingOutbound()
  const log = options.logDestination
    ? createLogger({ name: 'test', level: 'debug', destination: options.logDestination })
    : silentLogger()
  const metrics = createManagerMetrics(inventory)
  const hostChanges = HostChangeStreamLimits.parse(options.hostChanges ?? {})
  const coreOptions: ManagerCoreOptions = { hostChangeBuffer: hostChanges.replayBuffer }
  const acmCertificates = acmCertificateReader({}, inventory)
  const core = createManagerCore({
    inventory,
    acmCertificates,
    outbound,
    log: silentLogger(),
    metrics,
    options: coreOptions,
    ...options.rotation,
  })
  const tokens = await SqliteTokenStore.open(path.join(dir, TOKEN_DATABASE_FILE_NAME))
  const sessions = options.sessions ?? createSessionStore(CONSOLE_DEFAULTS)
  const rolloutStore = await SqliteRolloutStore.open(path.join(dir, ROLLOUT_DATABASE_FILE_NAME))
  const rolloutService = new RolloutService({
    store: rolloutStore,
    inventory,
    now: () => new Date(),
    ...(options.rotation?.mpsCopy === undefined ? {} : { mpsCopy: options.rotation.mpsCopy }),
  })
  const consoleContext =
    options.console === true
      ? {
          inventory,
          tokens,
          sessions,
          ...(options.waves ? { waves: options.waves } : {}),
          hostChanges: core.hostChanges,
          rollouts: rolloutService,
          acmCertificates,
          log,
          assets: await loadConsoleAssets(),
        }
      : null
  const rollouts = new RolloutEngine({
    store: rolloutStore,
    findHosts: (keys) => inventory.findHosts(keys),
    setDesired: (selector, request, actor) => core.setDesired(selector, request, actor),
    rotatePassword: (key, actor) => core.rotatePassword(key, actor),
    now: () => new Date(),
    log: silentLogger(),
  })
  const brokerAuth = options.brokerAuth === undefined ? undefined : await options.brokerAuth(inventory)
  const app = createApiServer({
    inventory,
    domain: core,
    tokens,
    sessions,
    log,
    metrics: metrics.registry,
    deviceBrokerUrl: 'mqtt://127.0.0.1:1883',
    hostChangeStreams: hostChanges,
    rollouts: rolloutService,
    acmCertificates,
    ...(options.readiness ? { readiness: options.readiness } : {}),
    ...(options.brokerAccounts ? { brokerAccounts: options.brokerAccounts } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(brokerAuth === undefined ? {} : { brokerAuth }),
    ...(consoleContext === null ? {} : { extensions: [consolePlugin(consoleContext)] }),
  })
  t.teardown(async () => {
    await app.close()
    await rollouts.stop()
    await core.stop()
    await rolloutStore.close()
    await tokens.close()
    await inventory.close()
    if (options.dir === undefined) await rm(dir, { recursive: true, force: true })
  })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  let serial = 0
  return {
    app,
    url,
    dir,
    inventory,
    core,
    acmCertificates,
    outbound,
    metrics,
    tokens,
    sessions,
    rollouts,
    token: async (role, tenant, name) =>
      (
        await issueToken(tokens, {
          role,
          tenant,
          name: name ?? `${role}-${tenant === '*' ? 'global' : tenant}-${++serial}`,
        })
      ).token,
    request: async (method, urlPath, { token, body, headers = {} } = {}) => {
      const response = await fetch(`${url}${urlPath}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      })
      const text = await response.text()
      let json: Answer['json'] = {}
      try {
        json = JSON.parse(text) as Answer['json']
      } catch {
        json = {}
      }
      return { status: response.status, headers: response.headers, text, json }
    },
  }
}

/** Creates tenants and hosts directly in Inventory. */
export async function seed(inventory: Inventory, tenants: Record<string, string[]>): Promise<void> {
  for (const [tenantId, hostIds] of Object.entries(tenants)) {
    await inventory.createTenant({ tenantId })
    if (hostIds.length > 0) await inventory.createHosts(hostIds.map((hostId) => ({ tenantId, hostId })))
  }
}

/** Stages version 2 over version 1 (no store), reverts nothing: a rotation's store side for API tests. */
export const stagingRotator: PasswordRotator = {
  stage: () => Promise.resolve({ newVersion: 2, previous: { origin: 'host', version: 1 } }),
  revert: () => Promise.resolve({ restored: true, version: null }),
}

/** Activated hosts of tenant acme: `line` the rpc line of each agent, `site` its label. */
export async function activated(inventory: Inventory, hosts: Record<string, { line: 'v2' | 'v3'; site: string }>) {
  await seed(inventory, { acme: Object.keys(hosts) })
  for (const [hostId, { line, site }] of Object.entries(hosts)) {
    const patch: HostPatch = {
      sku: 'AMT',
      capability: {
        ...new AgentMessages({ tenantId: 'acme', hostId }).envelope(),
        ...capable(),
        rpc: { line, version: line === 'v3' ? '3.0.0' : '2.48.0' },
      },
      desiredState: 'PROVISIONED',
      currentState: 'PROVISIONED',
      phase: 'PROVISIONED',
      observedGeneration: 1,
      labels: { site },
    }
    await inventory.updateHost({ tenantId: 'acme', hostId }, patch)
  }
}
