import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { CredentialEntry } from '../broker/auth/credentials.ts'
import { parseBrokerConfig } from '../broker/config.ts'
import { createBroker, type RunningBroker } from '../broker/create-broker.ts'
import { createLogger, type Logger } from '../lib/log.ts'
import { combineChecks, inventoryCheck } from './api/readiness.ts'
import { createApiServer, type ApiServer } from './api/server.ts'
import { issueToken } from './api/tokens/api-token.ts'
import { FileTokenStore } from './api/tokens/file-token-store.ts'
import { GLOBAL_SCOPE, type TokenStore } from './api/tokens/token-store.ts'
import { createBrokerCredentials, loadIntegratorsFile, MANAGER_USERNAME } from './broker-credentials.ts'
import { attachCore } from './bus/attach.ts'
import { createManagerBus, type ManagerBus, type ManagerBusOptions } from './bus/mqtt-bus.ts'
import { configSummary, loadManagerConfig, withoutCredentials, type EmbeddedBrokerConfig, type ManagerConfig } from './config.ts'
import { createManagerCore, type ManagerCore } from './domain/manager-core.ts'
import type { Inventory } from './inventory/port.ts'
import { openSqliteInventory } from './inventory/sqlite/open.ts'
import { createManagerMetrics } from './metrics.ts'

/** Exit codes of `amt-manager serve` (and `demo`). */
export const EXIT = { OK: 0, BAD_CONFIG: 1, FATAL: 2 } as const
export const ADMIN_TOKEN_FILE_NAME = 'admin-token'

/** A start-up failure to print as it is (with its problems, one per line); exit code 1 when it is a configuration problem. */
export class StartupError extends Error {
  override readonly name = 'StartupError'
  constructor(message: string, readonly problems: readonly string[] = [], readonly exitCode: number = EXIT.FATAL) {
    super(message)
  }
}

export interface StartOptions {
  /** The root logger (components take children with their own `module`). */
  log: Logger
  /** In-memory integrator principals for the embedded broker, on top of integratorsFile (the demo's). */
  integrators?: readonly CredentialEntry[]
}

export interface RunningManager {
  config: ManagerConfig
  inventory: Inventory
  core: ManagerCore
  bus: ManagerBus
  broker: RunningBroker | null
  api: ApiServer
  /** http://host:port the API listens on (the actual port when 0 was configured). */
  apiUrl: string
  /** The broker as the manager reaches it (embedded: the loopback TCP listener). */
  brokerUrl: string
  /** The broker URL told to devices with a new credential, when known. */
  deviceBrokerUrl: string | undefined
  /** Where the first admin token was written (it may have been removed since). */
  adminTokenFile: string
  /** Stops intake (API), finishes queued work, then closes bus, broker and Inventory, in that order. Idempotent. */
  close(): Promise<void>
}

/**
 * Builds the object graph in dependency order: Inventory → tokens (first admin token) → embedded broker (device
 * credentials from Inventory) → manager bus → core → attachCore (connects; sweep republishes desired from
 * Inventory) → wait for the broker (bounded by startup.timeoutMs) → API listen. A failure closes what was opened.
 */
export async function startManager(config: ManagerConfig, options: StartOptions): Promise<RunningManager> {
  const { log: root } = options
  const log = root.child({ module: 'main' })
  const closers: Array<{ name: string; close: () => Promise<void> }> = []
  const closeAll = async (): Promise<void> => {
    for (const { name, close } of closers.reverse().splice(0)) await close().catch((err: unknown) => log.error({ err, component: name }, 'close failed'))
  }
  try {
    log.info({ config: configSummary(config) }, 'starting')
    const inventory = await openSqliteInventory({ dataDir: config.dataDir, log: root })
    closers.push({ name: 'inventory', close: () => inventory.close() })
    const tokens = new FileTokenStore(config.tokensFile)
    const adminTokenFile = path.join(config.dataDir, ADMIN_TOKEN_FILE_NAME)
    await ensureAdminToken(tokens, adminTokenFile, log)
    const metrics = createManagerMetrics(inventory)

    const link = config.broker.mode === 'embedded' ? await startEmbeddedBroker(config.broker, inventory, options) : await externalBroker(config)
    const { broker } = link
    if (broker) closers.push({ name: 'broker', close: () => broker.close() })
    const bus = createManagerBus({ ...link.bus, log: root })
    closers.push({ name: 'bus', close: () => bus.close() })

    const core = createManagerCore({
      inventory,
      outbound: bus,
      log: root,
      metrics,
      options: { ...(config.rps.url ? { rpsUrl: config.rps.url } : {}), activationDeadlineMs: config.deadlines.activationMs, deadlineCheckIntervalMs: config.deadlines.checkIntervalMs },
    })
    closers.push({ name: 'core', close: () => core.stop() })
    if (config.rps.url === undefined) log.info('no RPS configured (rps.url): RPS profiles are not managed; agents activate with their own RPS settings')
    const firstSweep = new Promise<void>((resolve) => attachCore(bus, core, root, { afterSweep: resolve }))
    await waitFor(`the broker at ${withoutCredentials(link.bus.url)}`, firstSweep, config.startup.timeoutMs, log)

    const api = createApiServer({
      inventory,
      domain: core,
      tokens,
      log: root,
      metrics: metrics.registry,
      readiness: combineChecks(inventoryCheck(inventory), () => ({ name: 'mqtt', ok: bus.connected, ...(bus.connected ? {} : { detail: 'not connected to the broker' }) })),
      ...(link.deviceBrokerUrl ? { deviceBrokerUrl: link.deviceBrokerUrl } : {}),
    })
    closers.push({ name: 'api', close: () => api.close() })
    await api.listen({ host: config.api.host, port: config.api.port })
    const apiUrl = `http://${urlHost(config.api.host)}:${(api.server.address() as AddressInfo).port}`
    log.info({ api: apiUrl, mqtt: link.deviceBrokerUrl ?? withoutCredentials(link.bus.url) }, 'manager ready')

    let closing: Promise<void> | undefined
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        log.info('stopping')
        await closeAll()
        log.info('stopped')
      })())
    return { config, inventory, core, bus, broker: link.broker, api, apiUrl, brokerUrl: link.bus.url, deviceBrokerUrl: link.deviceBrokerUrl, adminTokenFile, close }
  } catch (err) {
    await closeAll()
    throw err
  }
}

interface BrokerLink {
  broker: RunningBroker | null
  bus: Omit<ManagerBusOptions, 'log'>
  deviceBrokerUrl: string | undefined
}

/** The embedded broker: the broker's own code with credentials from Inventory + the manager's in-memory principal. */
async function startEmbeddedBroker(settings: EmbeddedBrokerConfig, inventory: Inventory, options: StartOptions): Promise<BrokerLink> {
  const integrators: CredentialEntry[] = [...(options.integrators ?? [])]
  if (settings.integratorsFile !== undefined) {
    const loaded = await loadIntegratorsFile(settings.integratorsFile)
    if (!loaded.ok) throw new StartupError(`invalid integrators file ${settings.integratorsFile}`, loaded.problems, EXIT.BAD_CONFIG)
    integrators.push(...loaded.entries)
  }
  const password = randomBytes(24).toString('base64url')
  const credentials = await createBrokerCredentials({ inventory, manager: { username: MANAGER_USERNAME, password }, integrators })
  const parsed = parseBrokerConfig({ listeners: { tcp: settings.tcp, ws: settings.ws, tls: settings.tls }, limits: settings.limits, logLevel: 'info' })
  if (!parsed.ok) throw new StartupError('invalid embedded broker settings', parsed.problems, EXIT.BAD_CONFIG)
  const broker = await createBroker(parsed.config, { log: options.log, credentials })
  try {
    const port = broker.tcpPort ?? settings.tcp.port
    const wildcard = settings.tcp.host === '0.0.0.0' || settings.tcp.host === '::'
    const loopback = settings.tcp.host === '::' ? '::1' : wildcard ? '127.0.0.1' : settings.tcp.host
    const deviceBrokerUrl = settings.deviceUrl ?? (wildcard ? undefined : `mqtt://${urlHost(settings.tcp.host)}:${port}`)
    return { broker, deviceBrokerUrl, bus: { url: `mqtt://${urlHost(loopback)}:${port}`, username: MANAGER_USERNAME, password, clientId: `amt-manager-${randomBytes(4).toString('hex')}` } }
  } catch (err) {
    await broker.close()
    throw err
  }
}

async function externalBroker(config: ManagerConfig): Promise<BrokerLink> {
  const { broker } = config
  if (broker.mode !== 'external') throw new Error('not an external broker configuration')
  const read = (file: string | undefined) => (file === undefined ? undefined : readFile(file))
  const [ca, cert, key] = await Promise.all([read(broker.caFile), read(broker.certFile), read(broker.keyFile)])
  const tls = { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) }
  const password = config.secrets.brokerPassword?.reveal()
  return {
    broker: null,
    deviceBrokerUrl: broker.deviceUrl ?? withoutCredentials(broker.url),
    bus: { url: broker.url, username: broker.username, ...(password === undefined ? {} : { password }), ...(Object.keys(tls).length > 0 ? { tls } : {}) },
  }
}

/** Waits for `ready`, logging with growing intervals (1, 2, 4 ... 15 s); a StartupError after `timeoutMs`. */
async function waitFor(what: string, ready: Promise<void>, timeoutMs: number, log: Logger): Promise<void> {
  const started = Date.now()
  for (let attempt = 0; ; attempt++) {
    const remaining = timeoutMs - (Date.now() - started)
    if (remaining <= 0) throw new StartupError(`${what} did not answer within ${timeoutMs} ms (startup.timeoutMs)`)
    let timer: NodeJS.Timeout | undefined
    const tick = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.min(remaining, Math.min(15_000, 1000 * 2 ** attempt)))))
    const done = await Promise.race([ready.then(() => true), tick])
    clearTimeout(timer)
    if (done) return
    log.warn({ waitedMs: Date.now() - started, timeoutMs }, `waiting for ${what}`)
  }
}

/**
 * On the first start (no API token at all) creates a global admin token and writes it to `file` (mode 0600),
 * so the operator can use the API at once. Only the file's path is logged, never the token.
 */
export async function ensureAdminToken(tokens: TokenStore, file: string, log: Logger): Promise<boolean> {
  if ((await tokens.list()).length > 0) return false
  const { token, info } = await issueToken(tokens, { role: 'admin', tenant: GLOBAL_SCOPE, name: 'bootstrap-admin' })
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  const temporary = `${file}.${process.pid}.tmp`
  await writeFile(temporary, `${token}\n`, { mode: 0o600 })
  await rename(temporary, file)
  log.info({ file, tokenId: info.id, tokenName: info.name }, 'no API token existed: created a global admin token; it is in the file (shown nowhere else)')
  return true
}

const urlHost = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host)

/**
 * `amt-manager serve --config <file>`: every config problem printed → 1; a start-up failure → a clear line → 2;
 * otherwise runs until SIGTERM/SIGINT, then stops intake and closes in reverse order → 0.
 */
export async function runManager(configFile: string, stderr: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<number> {
  const loaded = loadManagerConfig(configFile)
  if (!loaded.ok) {
    stderr(`amt-manager: invalid configuration ${configFile}:`)
    for (const problem of loaded.problems) stderr(`  ${problem}`)
    return EXIT.BAD_CONFIG
  }
  const log = createLogger({ name: 'amt-manager', level: loaded.config.log.level })
  const stop = stopRequested()
  const started = await startOrReport(() => startManager(loaded.config, { log }), log, stderr)
  if (!started.ok) return started.exitCode
  return shutDown(await stop, started.value, log)
}

/** Runs `start`; a failure is printed (with its problems) and logged, and becomes an exit code. */
export async function startOrReport<T>(start: () => Promise<T>, log: Logger, stderr: (line: string) => void): Promise<{ ok: true; value: T } | { ok: false; exitCode: number; err: unknown }> {
  try {
    return { ok: true, value: await start() }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    stderr(`amt-manager: cannot start: ${message}`)
    const problems = err instanceof StartupError ? err.problems : []
    for (const problem of problems) stderr(`  ${problem}`)
    log.child({ module: 'main' }).fatal({ err, problems }, 'start-up failed')
    return { ok: false, exitCode: err instanceof StartupError ? err.exitCode : EXIT.FATAL, err }
  }
}

export type StopReason = { signal: NodeJS.Signals } | { err: unknown }

/** Resolves at the first SIGTERM/SIGINT or fatal error (uncaught exception, unhandled rejection); listens from now on. */
export function stopRequested(): Promise<StopReason> {
  return new Promise((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => resolve({ signal }))
    process.on('uncaughtException', (err) => resolve({ err }))
    process.on('unhandledRejection', (err) => resolve({ err }))
  })
}

/** Closes after a stop request: 0 after a signal, 2 after a fatal error. A second signal exits at once. */
export async function shutDown(reason: StopReason, running: { close(): Promise<void> }, log: Logger): Promise<number> {
  const mainLog = log.child({ module: 'main' })
  if ('signal' in reason) mainLog.info({ signal: reason.signal }, 'signal received: shutting down')
  else mainLog.fatal({ err: reason.err }, 'fatal error: shutting down')
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      mainLog.warn({ signal }, 'second signal during shutdown: exiting at once')
      process.exit(EXIT.FATAL)
    })
  }
  await running.close()
  return 'signal' in reason ? EXIT.OK : EXIT.FATAL
}
