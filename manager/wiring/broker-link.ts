import { readFile } from 'node:fs/promises'
import type { CredentialEntry } from '../../broker/auth/credentials.ts'
import { DecodedHandoff } from '../../broker/auth/decoded-handoff.ts'
import { parseBrokerConfig } from '../../broker/config.ts'
import { createBroker, type RunningBroker } from '../../broker/create-broker.ts'
import { redisBackends } from '../../broker/cluster/redis-backends.ts'
import { redisSettings } from '../../broker/cluster/redis-config.ts'
import type { SecretValue } from '../../lib/secret-value.ts'
import type { Logger } from '../../lib/log.ts'
import { createBrokerCredentials, loadIntegratorsFile, type BrokerPrincipals } from '../bus/broker-credentials.ts'
import { createEmbeddedBus } from '../bus/embedded-bus.ts'
import { createManagerBus, type ManagerBus } from '../bus/mqtt-bus.ts'
import { withoutCredentials } from '../../lib/url.ts'
import type { EmbeddedBrokerConfig, ManagerConfig } from '../config/config.ts'
import type { Inventory } from '../inventory/port.ts'
import { SERVICE_EXIT, StartupError } from '../../lib/service-exit.ts'
import type { Registry } from 'prom-client'
import { createDynsecAccounts, type BrokerAccounts } from '../dynsec/broker-accounts.ts'
import { DynsecControl, type DynsecControlOptions } from '../dynsec/dynsec-control.ts'
import { sweepAccounts } from '../dynsec/account-sweep.ts'

/** How the manager reaches its broker, and what it tells devices. */
export interface BrokerLink {
  broker: RunningBroker | null
  /** The manager's bus: in process for the embedded broker, an MQTT connection to an external one. */
  createBus(log: Logger): ManagerBus
  /** The broker's URL as this process reaches it (loopback for the embedded one; may carry credentials). */
  brokerUrl: string
  deviceBrokerUrl: string | undefined
  /** Device accounts kept on the external broker (Mosquitto dynamic security); absent otherwise. Close it last. */
  accounts?: BrokerAccounts
  /** The embedded broker's principals and topic-level limit (the broker-auth endpoints share them); absent otherwise. */
  embedded?: { credentials: BrokerPrincipals; maxTopicLevels: number }
}

/**
 * The embedded broker: the broker's own code with credentials from Inventory; the manager attaches in process.
 * With `cluster`, its sessions, retained messages and routing live on the Redis it shares with the other managers'
 * brokers, waited for up to `startupTimeoutMs`.
 */
export async function startEmbeddedBroker(
  settings: EmbeddedBrokerConfig,
  inventory: Inventory,
  options: {
    log: Logger
    integrators?: readonly CredentialEntry[]
    /** For `settings.cluster`: the Redis password (config credentials) and startup.timeoutMs. */
    cluster: { password: SecretValue | null; startupTimeoutMs: number }
  },
): Promise<BrokerLink> {
  const integrators: CredentialEntry[] = [...(options.integrators ?? [])]
  if (settings.integratorsFile !== undefined) {
    const loaded = await loadIntegratorsFile(settings.integratorsFile)
    if (!loaded.ok) {
      const what = `invalid integrators file ${settings.integratorsFile}`
      throw new StartupError(what, loaded.problems, SERVICE_EXIT.BAD_CONFIG)
    }
    integrators.push(...loaded.entries)
  }
  const credentials = await createBrokerCredentials({ inventory, integrators, log: options.log })
  const parsed = parseBrokerConfig({
    listeners: { tcp: settings.tcp, ws: settings.ws, tls: settings.tls },
    limits: settings.limits,
    logLevel: 'info',
  })
  if (!parsed.ok) {
    throw new StartupError('invalid embedded broker settings', parsed.problems, SERVICE_EXIT.BAD_CONFIG)
  }
  const { cluster } = settings
  const shared = cluster && {
    backends: redisBackends(redisSettings(cluster, options.cluster.password), {
      log: options.log,
      startupTimeoutMs: options.cluster.startupTimeoutMs,
    }),
  }
  // In memory, aedes hands the manager's subscriptions the very payload its payload check decoded; a cluster's
  // routing goes through Redis (copies), so there is nothing to hand over there.
  const handoff = shared ? undefined : new DecodedHandoff()
  const broker = await createBroker(parsed.config, { log: options.log, credentials, handoff, ...shared })
  try {
    const port = broker.tcpPort ?? settings.tcp.port
    const wildcard = settings.tcp.host === '0.0.0.0' || settings.tcp.host === '::'
    const loopback = settings.tcp.host === '::' ? '::1' : wildcard ? '127.0.0.1' : settings.tcp.host
    const deviceBrokerUrl =
      settings.deviceUrl ?? (wildcard ? undefined : `mqtt://${urlHost(settings.tcp.host)}:${port}`)
    return {
      broker,
      deviceBrokerUrl,
      brokerUrl: `mqtt://${urlHost(loopback)}:${port}`,
      createBus: (log) =>
        createEmbeddedBus(broker.aedes, {
          log,
          clustered: broker.clustered,
          handoff,
          ...(broker.heartbeatMs === undefined ? {} : { heartbeatMs: broker.heartbeatMs }),
        }),
      embedded: { credentials, maxTopicLevels: parsed.config.limits.maxTopicLevels },
    }
  } catch (err) {
    await broker.close()
    throw err
  }
}

export interface ExternalBrokerDeps {
  log: Logger
  registry?: Registry
  /** With dynamic security: accounts of hosts no longer in Inventory are removed at start (in the background). */
  inventory?: Pick<Inventory, 'listHosts'>
}

/**
 * An existing broker: the manager's own credentials from the config (password, client certificate), its fixed client
 * id and (by default) a persistent session. With `mosquittoDynamicSecurity`, first the manager's role on the broker
 * is made sure of (before the bus publishes anything), waiting for the broker up to startup.timeoutMs.
 */
export async function externalBroker(config: ManagerConfig, deps: ExternalBrokerDeps): Promise<BrokerLink> {
  const { broker } = config
  if (broker.mode !== 'external') throw new Error('not an external broker configuration')
  const read = (file: string | undefined) => (file === undefined ? undefined : readFile(file))
  const [ca, cert, key] = await Promise.all([read(broker.caFile), read(broker.certFile), read(broker.keyFile)])
  const tls = { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) }
  const password = config.credentials.brokerPassword?.reveal()
  const login = {
    url: broker.url,
    username: broker.username,
    ...(password === undefined ? {} : { password }),
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
  }
  const session = {
    clientId: broker.clientId,
    clean: !broker.persistentSession,
    keepaliveSeconds: broker.keepaliveSeconds,
    ...(broker.sharedGroup === undefined ? {} : { sharedGroup: broker.sharedGroup }),
  }
  const accounts = broker.mosquittoDynamicSecurity
    ? await dynsecAccounts(login, broker.clientId, config.startup.timeoutMs, deps)
    : undefined
  const { inventory } = deps
  if (accounts && inventory) {
    sweepAccounts({ accounts, inventory, log: deps.log }).catch((err: unknown) =>
      deps.log.child({ module: 'broker-accounts' }).error({ err }, 'broker account sweep failed'),
    )
  }
  return {
    broker: null,
    deviceBrokerUrl: broker.deviceUrl ?? withoutCredentials(broker.url),
    brokerUrl: broker.url,
    createBus: (log) => createManagerBus({ ...login, ...session, log }),
    ...(accounts ? { accounts } : {}),
  }
}

async function dynsecAccounts(
  login: Omit<DynsecControlOptions, 'clientId' | 'log'>,
  clientId: string,
  timeoutMs: number,
  deps: ExternalBrokerDeps,
): Promise<BrokerAccounts> {
  const log = deps.log.child({ module: 'broker-accounts' })
  const accounts = createDynsecAccounts(new DynsecControl({ ...login, clientId: `${clientId}:dynsec`, log }), deps)
  const started = Date.now()
  for (;;) {
    try {
      await accounts.ensureManagerRole(login.username)
      return accounts
    } catch (err) {
      if (Date.now() - started < timeoutMs) {
        await new Promise((resolve) => setTimeout(resolve, 1000))
        continue
      }
      await accounts.close()
      throw new StartupError(
        `the manager's role could not be put on the broker within ${timeoutMs} ms (startup.timeoutMs): ${err instanceof Error ? err.message : String(err)}`,
      )
    }
  }
}

export const urlHost = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host)
