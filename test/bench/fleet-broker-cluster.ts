/**
 * The broker cluster of the fleet benchmark (`--brokers K`): K `amt-broker serve` processes sharing sessions,
 * retained messages and routing through one Redis (`cluster.redis`, a private redis-server without persistence),
 * each listening on its own loopback address (127.0.0.(10+i)), so that no source/destination address pair needs
 * more than one broker's share of the ~28k ephemeral ports. One credentials file for all: every device (one hash of
 * their shared password) and the manager principal. The manager connects to the first instance (`broker.external`;
 * aedes has no shared subscriptions, so one manager connection, with its persistent session); device i connects
 * to instance i mod K. With `managerOnly`, one more instance carries the manager alone (no device connects to it):
 * at 100 000 nodes the instance that carries the manager also receives every report of the fleet (its `+` filters
 * are Redis pattern subscriptions) and persists every desired and status; devices on it would share its event loop.
 */
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { stringify } from 'yaml'
import { hashWith, type HashScheme } from '../../broker/auth/password-hash.ts'
import { startRedisServer, type RunningRedis } from '../helpers/redis-server.ts'
import { freePort } from '../helpers/free-port.ts'
import { scrapeMetrics } from '../helpers/metrics-text.ts'
import { LAUNCHER } from '../helpers/launchers.ts'
import { BENCH_MANAGER } from './bench-principal.ts'
import type { PreparedManager } from './fleet-manager.ts'
import { answers200, startService, type ServiceProcess } from './fleet-process.ts'
import type { Topology } from './fleet-topology.ts'

const BROKER_TIMEOUT_MS = 300_000
const PUBSUB_OUTPUT_LIMIT = '512mb 256mb 120'
/** What redis-server logs when it closes a client for its output buffer (a subscriber that fell behind). */
const OUTPUT_LIMIT_CLOSE = /overcoming of output buffer limits/g

interface Instance {
  address: string
  port: number
  metricsPort: number
  configFile: string
  logFile: string
  process?: ServiceProcess
}

/** K broker instances (not started yet: start() writes their files and starts Redis and them). */
export async function brokerClusterTopology(
  count: number,
  hashScheme: HashScheme,
  options: { nodeOptions?: readonly string[]; managerOnly?: boolean } = {},
): Promise<Topology> {
  const nodeOptions = options.nodeOptions ?? []
  const managerPassword = randomBytes(24).toString('base64url')
  const instances: Instance[] = []
  /** The first instance that devices connect to (1 when instance 0 carries the manager alone). */
  const firstDeviceInstance = options.managerOnly === true ? 1 : 0
  for (let i = 0; i < count + firstDeviceInstance; i++)
    instances.push({
      address: `127.0.0.${10 + i}`,
      port: await freePort(),
      metricsPort: await freePort(),
      configFile: '',
      logFile: '',
    })
  const url = (instance: Instance): string => `mqtt://${instance.address}:${instance.port}`
  let redis: RunningRedis | undefined

  const startAll = async (): Promise<number> => {
    await Promise.all(
      instances.map(async (instance, i) => {
        instance.process = await startService({
          name: `broker ${i + 1}`,
          bin: LAUNCHER.broker,
          nodeOptions,
          configFile: instance.configFile,
          logFile: instance.logFile,
          ready: () => answers200(`http://127.0.0.1:${instance.metricsPort}/healthz`),
          timeoutMs: BROKER_TIMEOUT_MS,
        })
      }),
    )
    return Math.max(...instances.map((instance) => instance.process?.readyAt ?? 0))
  }
  const stopAll = async (): Promise<number> =>
    Math.max(0, ...(await Promise.all(instances.map(async (instance) => (await instance.process?.stop()) ?? 0))))

  return {
    managerSetup: {
      externalBroker: {
        url: url(instances[0] as Instance),
        username: BENCH_MANAGER,
        password: managerPassword,
        // A clean session: with a persistent one, aedes first queues each retained report for it (a Redis write)
        // and a plain message emitted meanwhile makes the live subscribers drop the report (broker/README.md,
        // "Order of deliveries": 171 of 300 hosts without a first state). The sweep after every connect
        // republishes from Inventory, so the manager loses nothing it needs by it.
        persistentSession: false,
        // As docs/operations.md advises on a cluster of this size: an instance behind Redis in a wave answers late.
        keepaliveSeconds: 120,
      },
    },
    restarted: `every broker (${instances.length})`,
    brokerUrl: (index) => url(instances[firstDeviceInstance + (index % count)] as Instance),
    async start(prepared: PreparedManager) {
      const credentialsFile = path.join(prepared.dir, 'broker-credentials.yaml')
      const hashes = {
        manager: await hashWith(managerPassword, hashScheme),
        // The devices share one password (benchDevices): one hash for all, as in the manager's Inventory.
        device: await hashWith(prepared.devices[0]?.password ?? '', hashScheme),
      }
      await writeCredentials(credentialsFile, prepared, hashes)
      // A manager's instance that falls behind must not lose its subscription (docs/deployment.md, "Broker cluster").
      redis = await startRedisServer({ pubsubOutputLimit: PUBSUB_OUTPUT_LIMIT })
      const perInstance = Math.ceil(prepared.devices.length / count)
      for (const [i, instance] of instances.entries()) {
        instance.configFile = path.join(prepared.dir, `broker-${i + 1}.yaml`)
        instance.logFile = path.join(prepared.dir, `broker-${i + 1}.log`)
        await writeFile(instance.configFile, stringify(brokerConfig(instance, redis, credentialsFile, perInstance)))
      }
      await startAll()
    },
    processes: () => [
      ...instances.map((instance, i) => ({ name: `broker ${i + 1}`, pid: instance.process?.pid ?? 0 })),
      ...(redis?.pid === undefined ? [] : [{ name: 'redis-server', pid: redis.pid }]),
    ],
    brokerMetrics: async () =>
      (
        await Promise.all(
          instances.map((instance) => scrapeMetrics(`http://127.0.0.1:${instance.metricsPort}`).catch(() => [])),
        )
      ).flat(),
    restart: (manager) => ({
      stop: stopAll,
      start: async () => ({ manager, readyAt: await startAll() }),
    }),
    async close() {
      await stopAll()
      const closedForOutput = redis?.output().match(OUTPUT_LIMIT_CLOSE)?.length ?? 0
      if (closedForOutput > 0)
        console.log(`  redis-server closed ${closedForOutput} client(s) for their output buffer (a subscriber behind)`)
      await redis?.stop()
    },
  }
}

/** Loopback only: the per-address limits raised (every device comes from 127.0.0.1), the rest as shipped. */
function brokerConfig(instance: Instance, redis: RunningRedis, credentialsFile: string, devices: number): unknown {
  return {
    listeners: { tcp: { host: instance.address, port: instance.port } },
    limits: {
      connectRateLimit: { burst: 1_000_000, perSecond: 1_000_000 },
      maxUnauthenticatedPerAddress: 1_000_000,
      maxConnections: Math.max(20_000, devices + 100),
    },
    credentialsFile,
    metrics: { host: '127.0.0.1', port: instance.metricsPort },
    cluster: { redis: { path: redis.socketPath } },
    logLevel: 'warn',
  }
}

/** JSON (a YAML subset: written fast): the manager principal and every device with the shared hash. */
async function writeCredentials(
  file: string,
  prepared: PreparedManager,
  hashes: { manager: string; device: string },
): Promise<void> {
  const principals = [
    { username: BENCH_MANAGER, role: 'manager', passwordHash: hashes.manager },
    ...prepared.devices.map(({ username, tenantId, hostId }) => ({
      username,
      role: 'device',
      tenantId,
      hostId,
      passwordHash: hashes.device,
    })),
  ]
  await writeFile(file, JSON.stringify({ principals }), { mode: 0o600 })
}
