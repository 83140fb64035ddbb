import type { ExecutionContext } from 'ava'
import { Redis } from 'ioredis'
import { MemoryCredentialStore } from '../../../broker/auth/credentials.ts'
import { redisBackends } from '../../../broker/cluster/redis-backends.ts'
import type { RedisSettings } from '../../../broker/cluster/redis-config.ts'
import { silentLogger, type Logger } from '../../../lib/log.ts'
import { startTestBroker, type TestBroker } from '../../helpers/broker.ts'
import type { RunningRedis } from '../../helpers/redis-server.ts'

/** Start-up waits this long for Redis: as long as any child process's cold start on a loaded machine. */
const REDIS_STARTUP_TIMEOUT_MS = 30_000

/** The settings of the test's own redis-server, over its unix socket. */
export function socketSettings(redis: RunningRedis, extra: Partial<RedisSettings> = {}): RedisSettings {
  return {
    where: redis.socketPath,
    connection: { path: redis.socketPath },
    password: null,
    keyPrefix: undefined,
    ...extra,
  }
}

/**
 * Two brokers in this process on one Redis, with one credential store between them (as a cluster reads one
 * credentials file or one Inventory): a principal added through either may log in on both.
 */
export async function startClusterPair(
  t: ExecutionContext,
  settings: RedisSettings,
  options: { log?: Logger } = {},
): Promise<[TestBroker, TestBroker]> {
  const credentials = new MemoryCredentialStore({ scryptParams: { logN: 10, r: 8, p: 1 } })
  const log = options.log ?? silentLogger()
  const start = () =>
    startTestBroker(t, {
      credentials,
      log,
      backends: redisBackends(settings, { log, startupTimeoutMs: REDIS_STARTUP_TIMEOUT_MS }),
    })
  return [await start(), await start()]
}

/** Clients connected to the server now, besides the one asking. */
export async function otherClients(redis: RunningRedis, password?: string): Promise<number> {
  const auth = password === undefined ? {} : { password }
  // One attempt, no reconnecting: a probe that failed must not outlive the test.
  const probe = new Redis({ path: redis.socketPath, lazyConnect: true, retryStrategy: () => null, ...auth })
  probe.on('error', () => undefined)
  await probe.connect()
  try {
    const list = await probe.client('LIST')
    return String(list).trim().split('\n').length - 1
  } finally {
    probe.disconnect()
  }
}
