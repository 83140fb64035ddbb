/**
 * The manager of the fleet benchmarks as a child process (`node bin/amt-manager.js serve --config <temp>`, embedded
 * broker or an external one, SQLite Inventory in a temp dir), its Inventory seeded beforehand, and the HTTP calls
 * the benchmarks make.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { stringify } from 'yaml'
import type { HostCredentials } from '../../agent/simulate/index.ts'
import type { HashScheme } from '../../broker/auth/password-hash.ts'
import { openSqliteInventory } from '../../manager/inventory/sqlite/open.ts'
import { API_LIMITS, benchDevices, embeddedLimits, seedInventory } from './fleet-seed.ts'
import { answers200, startService, type ServiceProcess } from './fleet-process.ts'
import { freePort } from '../e2e/support/processes.ts'
import { LAUNCHER } from '../helpers/launchers.ts'
import { parseMetrics, type MetricSample } from '../helpers/metrics-text.ts'

const MANAGER_BIN = LAUNCHER.manager

export interface ManagerSetup {
  hosts: number
  tenantId: string
  /** Cost of the seeded device password hashes (the broker verifies one per CONNECT). */
  hashScheme: HashScheme
  logLevel: string
  /** Extra node options for the manager process (e.g. --cpu-prof). */
  nodeOptions?: readonly string[]
  /** A command the manager runs under (e.g. `prlimit --nofile=4096:4096 --`). */
  launcher?: readonly string[]
  /** An external broker (`broker.external`) instead of the embedded one; the password goes into a file. */
  externalBroker?: {
    url: string
    username: string
    password: string
    persistentSession: boolean
    /** `broker.external.keepaliveSeconds`; default the manager's (30). */
    keepaliveSeconds?: number
  }
}

export interface PreparedManager {
  dir: string
  dataDir: string
  configFile: string
  logFile: string
  nodeOptions: readonly string[]
  launcher: readonly string[]
  apiUrl: string
  brokerUrl: string
  /** Every host with its device credential, in hostId order. 4 of 5 are AMT, 1 of 5 ISM: all capable. */
  devices: HostCredentials[]
  /** The admin token, when this manager's data dir has none (a replica after the first: tokens are shared). */
  adminToken?: string
}

/**
 * A temp dir with a manager config (ports fixed now, so a restart reuses them) and an Inventory holding the
 * tenant and `hosts` hosts with their device credentials (seedInventory, into SQLite).
 */
export async function prepareManager(setup: ManagerSetup): Promise<PreparedManager> {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-fleet-bench-'))
  const dataDir = path.join(dir, 'data')
  const [apiPort, mqttPort] = [await freePort(), await freePort()]
  const devices = benchDevices(setup.hosts, setup.tenantId)
  const inventory = await openSqliteInventory({ dataDir })
  try {
    await seedInventory(inventory, devices, setup.hashScheme)
  } finally {
    await inventory.close()
  }

  const configFile = path.join(dir, 'manager.yaml')
  const { password: brokerPassword, ...external } = setup.externalBroker ?? {}
  const passwordFile = path.join(dir, 'broker-password')
  if (brokerPassword !== undefined) await writeFile(passwordFile, brokerPassword, { mode: 0o600 })
  await writeFile(
    configFile,
    stringify({
      dataDir,
      api: { port: apiPort, limits: API_LIMITS },
      broker: setup.externalBroker
        ? { external: { ...external, passwordFile } }
        : { embedded: { tcp: { port: mqttPort }, limits: embeddedLimits(setup.hosts) } },
      log: { level: setup.logLevel },
    }),
  )
  return preparedManager(
    setup,
    { dir, dataDir, configFile, logFile: path.join(dir, 'manager.log') },
    apiPort,
    mqttPort,
    devices,
  )
}

/** A manager's PreparedManager: its files, its ports on loopback, the devices that connect to its broker. */
export function preparedManager(
  setup: Pick<ManagerSetup, 'nodeOptions' | 'launcher' | 'externalBroker'>,
  files: Pick<PreparedManager, 'dir' | 'dataDir' | 'configFile' | 'logFile'>,
  apiPort: number,
  mqttPort: number,
  devices: HostCredentials[],
): PreparedManager {
  return {
    ...files,
    nodeOptions: setup.nodeOptions ?? [],
    launcher: setup.launcher ?? [],
    apiUrl: `http://127.0.0.1:${apiPort}`,
    brokerUrl: setup.externalBroker?.url ?? `mqtt://127.0.0.1:${mqttPort}`,
    devices,
  }
}

export async function removeManagerDir(prepared: PreparedManager): Promise<void> {
  await rm(prepared.dir, { recursive: true, force: true })
}

/** readyAt: when /readyz first answered 200. */
export interface ManagerProcess extends ServiceProcess {
  api<T>(method: string, urlPath: string, body?: unknown): Promise<{ status: number; json: T }>
  metrics(): Promise<MetricSample[]>
}

/** Spawns the manager (output appended to the log file) and waits until /readyz answers 200. */
export async function startManager(prepared: PreparedManager, timeoutMs = 120_000): Promise<ManagerProcess> {
  const service = await startService({
    name: 'manager',
    bin: MANAGER_BIN,
    configFile: prepared.configFile,
    logFile: prepared.logFile,
    nodeOptions: prepared.nodeOptions,
    launcher: prepared.launcher,
    ready: () => answers200(`${prepared.apiUrl}/readyz`),
    timeoutMs,
  })
  const token = prepared.adminToken ?? (await readFile(path.join(prepared.dataDir, 'admin-token'), 'utf8')).trim()
  return {
    pid: service.pid,
    spawnedAt: service.spawnedAt,
    readyAt: service.readyAt,
    get exited() {
      return service.exited
    },
    api: (method, urlPath, body) => callApi(prepared.apiUrl, token, method, urlPath, body),
    metrics: async () => parseMetrics(await (await fetch(`${prepared.apiUrl}/metrics`)).text()),
    stop: (graceMs) => service.stop(graceMs),
  }
}

async function callApi<T>(
  apiUrl: string,
  token: string,
  method: string,
  urlPath: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const response = await fetch(`${apiUrl}${urlPath}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, json: (text === '' ? {} : JSON.parse(text)) as T }
}

/** The host fields the benchmarks check. */
export interface HostRow {
  hostId: string
  currentState: string
  phase: string | null
  desiredGeneration: number
  observedGeneration: number
  lastSeen: string | null
}

/** Every host of the tenant through the API, in pages of 1000. */
export async function listHosts(manager: Pick<ManagerProcess, 'api'>, tenantId: string): Promise<HostRow[]> {
  const hosts: HostRow[] = []
  let cursor: string | null = null
  do {
    const query: string = `limit=1000${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`
    const page = await manager.api<{ hosts: HostRow[]; nextCursor: string | null }>(
      'GET',
      `/api/v1/tenants/${tenantId}/hosts?${query}`,
    )
    if (page.status !== 200) throw new Error(`list hosts: HTTP ${page.status}`)
    hosts.push(...page.json.hosts)
    cursor = page.json.nextCursor
  } while (cursor !== null)
  return hosts
}

export { metricSum, parseMetrics, type MetricSample } from '../helpers/metrics-text.ts'
