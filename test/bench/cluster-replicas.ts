/**
 * The managers of the cluster benchmark (cluster.ts) as child processes: N `amt-manager serve` replicas on one
 * PostgreSQL database, their embedded brokers clustered on one Redis (`broker.embedded.cluster.redis`), each with
 * its own API and MQTT port and data directory; lease, pool and timeouts as shipped (the defaults docs/replicas.md
 * and docs/deployment.md "Sizing" describe). The fleet is seeded into the database beforehand; each replica's
 * `devices` are its round-robin share, the ones that connect to its broker.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { stringify } from 'yaml'
import { openPostgresPool } from '../../manager/database/postgres-pool.ts'
import { openPostgresInventory } from '../../manager/inventory/postgres/open.ts'
import { freePort } from '../e2e/support/processes.ts'
import {
  preparedManager,
  startManager,
  type ManagerProcess,
  type ManagerSetup,
  type PreparedManager,
} from './fleet-manager.ts'
import { API_LIMITS, benchDevices, embeddedLimits, seedInventory } from './fleet-seed.ts'

export interface ClusterSetup extends ManagerSetup {
  replicas: number
  /** A fresh database (seeded here). */
  databaseUrl: string
  /** The Redis the embedded brokers share (its unix socket). */
  redisSocket: string
}

export async function prepareReplicas(setup: ClusterSetup): Promise<PreparedManager[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-cluster-bench-'))
  const devices = benchDevices(setup.hosts, setup.tenantId)
  const pool = await openPostgresPool({ url: setup.databaseUrl, applicationName: 'cluster-bench-seed' })
  try {
    const inventory = await openPostgresInventory({ pool })
    try {
      await seedInventory(inventory, devices, setup.hashScheme)
    } finally {
      await inventory.close()
    }
  } finally {
    await pool.end()
  }
  const prepared: PreparedManager[] = []
  for (let index = 0; index < setup.replicas; index++) {
    const dataDir = path.join(dir, `replica-${index + 1}`)
    await mkdir(dataDir)
    const [apiPort, mqttPort] = [await freePort(), await freePort()]
    const configFile = path.join(dataDir, 'manager.yaml')
    const embedded = {
      tcp: { port: mqttPort },
      limits: embeddedLimits(setup.hosts),
      cluster: { redis: { path: setup.redisSocket } },
    }
    await writeFile(
      configFile,
      stringify({
        dataDir,
        api: { port: apiPort, limits: API_LIMITS },
        database: { engine: 'postgres', postgres: { url: setup.databaseUrl } },
        broker: { embedded },
        log: { level: setup.logLevel },
      }),
    )
    const logFile = path.join(dataDir, 'manager.log')
    const share = devices.filter((_, hostIndex) => hostIndex % setup.replicas === index)
    prepared.push(preparedManager(setup, { dir, dataDir, configFile, logFile }, apiPort, mqttPort, share))
  }
  return prepared
}

/**
 * Starts the replicas one after the other (each waits for /readyz); the first one makes the admin token, which
 * lives in the shared database, so the others are called with it. `started` sees each as soon as it runs.
 */
export async function startReplicas(
  prepared: readonly PreparedManager[],
  started: (manager: ManagerProcess) => void,
): Promise<ManagerProcess[]> {
  const managers: ManagerProcess[] = []
  let adminToken: string | undefined
  for (const replica of prepared) {
    const manager = await startManager(adminToken === undefined ? replica : { ...replica, adminToken })
    started(manager)
    managers.push(manager)
    adminToken ??= (await readFile(path.join(replica.dataDir, 'admin-token'), 'utf8')).trim()
  }
  return managers
}
