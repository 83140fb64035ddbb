import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import type { ManagerConfigInput } from '../../../manager/config/config.ts'
import { callApi, writeManagerConfig, type Answer } from './manager-process.ts'
import { BIN, freePort, spawnNode, until, type Child } from './processes.ts'

/**
 * Manager replicas as real processes (`amt-manager serve`) on one PostgreSQL database and one external broker,
 * each with its own API port, data directory and instance name (AMT_MANAGER_INSTANCE). The first replica creates
 * the bootstrap admin token (tokens live in the database: it works on every replica).
 */
export interface Replica {
  readonly name: string
  readonly apiUrl: string
  child: Child
  api(method: string, urlPath: string, body?: unknown): Promise<Answer>
  /** `amt_manager_lease_held{name="cluster-work"}` from its /metrics; null when it does not answer. */
  holdsLease(): Promise<boolean | null>
}

export interface ReplicaSetup {
  dir: string
  /** The config every replica shares, but for dataDir and api. */
  config: ManagerConfigInput
  env: Record<string, string>
}

/** What one replica has of its own: its API port (default a free one) and its broker section (default the shared). */
export interface ReplicaOwn {
  apiPort?: number
  broker?: ManagerConfigInput['broker']
}

/**
 * Starts one replica and waits until /readyz answers 200 (a cold start under load: up to 120 s). Started again with
 * the same name and `own`, it finds its data directory and ports again.
 */
export async function startReplica(
  t: ExecutionContext,
  setup: ReplicaSetup,
  name: string,
  own: ReplicaOwn = {},
): Promise<Omit<Replica, 'api'>> {
  const dataDir = path.join(setup.dir, name)
  await mkdir(dataDir, { recursive: true })
  const port = own.apiPort ?? (await freePort())
  const broker = own.broker ?? setup.config.broker
  const configFile = await writeManagerConfig(
    dataDir,
    { ...setup.config, ...(broker === undefined ? {} : { broker }), dataDir, api: { host: '127.0.0.1', port } },
    'manager.yaml',
  )
  const child = spawnNode(t, BIN.manager, ['serve', '--config', configFile], {
    ...setup.env,
    AMT_MANAGER_INSTANCE: name,
  })
  const apiUrl = `http://127.0.0.1:${port}`
  await until(async () => (await fetch(`${apiUrl}/readyz`)).status === 200, `replica ${name} to be ready`, {
    dead: child,
    timeoutMs: 120_000,
  })
  return {
    name,
    apiUrl,
    child,
    async holdsLease() {
      try {
        const text = await (await fetch(`${apiUrl}/metrics`)).text()
        const line = text.split('\n').find((entry) => entry.startsWith('amt_manager_lease_held{name="cluster-work"}'))
        return line === undefined ? null : line.trim().endsWith(' 1')
      } catch {
        return null
      }
    },
  }
}

export const withToken = (replica: Omit<Replica, 'api'>, token: string): Replica => ({
  ...replica,
  api: (method, urlPath, body) => callApi(replica.apiUrl, token, method, urlPath, body),
})
