import type { RedisOptions } from 'ioredis'
import { z } from 'zod'
import { readSecret, readUtf8, type ReadFile } from '../../lib/config-file.ts'
import type { SecretValue } from '../../lib/secret-value.ts'

/**
 * `cluster.redis`: where several broker instances share their state (sessions, subscriptions, retained messages,
 * queued QoS 1/2 messages and the routing of every publish) — aedes-persistence-redis and mqemitter-redis on one
 * Redis. The same section in amt-broker's config (`cluster`) and in the manager's (`broker.embedded.cluster`).
 * The password is never a value here: a file (`passwordFile`) or an environment variable the caller names.
 */
const RedisUrl = z
  .string()
  .max(2048)
  .refine((value) => URL.canParse(value) && /^rediss?:\/\/[^/]/.test(value), {
    message: 'must be a redis:// or rediss:// (TLS) URL',
  })
  .refine((value) => !URL.canParse(value) || (new URL(value).username === '' && new URL(value).password === ''), {
    message: 'must not carry a user or password: use username and passwordFile (or the environment variable)',
  })
  .refine((value) => !URL.canParse(value) || ['', '/'].includes(new URL(value).pathname), {
    message: 'must not name a database: use db',
  })

const RedisSection = z
  .strictObject({
    /** redis://host:port or rediss://host:port (TLS, the system's CAs); or `host`/`port`; or `path`. */
    url: RedisUrl.optional(),
    host: z.string().min(1).max(255).optional(),
    port: z.int().min(1).max(65535).optional(),
    /** A unix socket. */
    path: z.string().min(1).max(4096).optional(),
    /** The database number; keys only (Redis pub/sub ignores it): brokers of two clusters need a keyPrefix. */
    db: z.int().min(0).max(65535).default(0),
    /** Redis 6 ACL user; default: the `default` user. */
    username: z.string().min(1).max(256).optional(),
    passwordFile: z.string().min(1).max(4096).optional(),
    /** Put before every key and pub/sub channel, e.g. `amt:`: several clusters on one Redis (no glob characters). */
    keyPrefix: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_.:-]+$/, { message: 'letters, digits and _ . : - only' })
      .optional(),
  })
  .refine((redis) => [redis.url, redis.host, redis.path].filter((where) => where !== undefined).length === 1, {
    message: 'give exactly one of url, host (with port) or path',
  })
  .refine((redis) => redis.port === undefined || redis.host !== undefined, {
    message: 'port goes with host',
    path: ['port'],
  })

export const ClusterConfig = z.strictObject({
  redis: RedisSection,
  /**
   * How often each instance announces itself to the others (aedes' heartbeat, default 60 s). An instance silent for
   * three beats is dead: its clients' last wills are published by a live instance within four more beats.
   */
  heartbeatMs: z.int().min(500).max(3_600_000).optional(),
})
export type ClusterConfig = z.infer<typeof ClusterConfig>

/** What the Redis backends connect with: ioredis options (no password: see `password`), a printable address. */
export interface RedisSettings {
  /** Where Redis is, for logs and errors (never a secret). */
  where: string
  /** ioredis options shared by every connection (host/port/path, db, username, TLS); the password apart. */
  connection: RedisOptions
  password: SecretValue | null
  keyPrefix: string | undefined
  /** `cluster.heartbeatMs`; undefined: aedes' default. */
  heartbeatMs?: number
}

/** Relative paths (password file, unix socket) resolved against the config file's directory by `resolve`. */
export function resolveClusterPaths(cluster: ClusterConfig, resolve: (file: string) => string): ClusterConfig {
  const { passwordFile, path: socket } = cluster.redis
  return {
    ...cluster,
    redis: {
      ...cluster.redis,
      ...(passwordFile === undefined ? {} : { passwordFile: resolve(passwordFile) }),
      ...(socket === undefined ? {} : { path: resolve(socket) }),
    },
  }
}

/** The Redis password: the environment variable's value first, then `passwordFile`; null without either. */
export function readRedisPassword(
  cluster: ClusterConfig,
  secret: { fromEnv: string | undefined; key: string; problems: string[]; readFile?: ReadFile },
): SecretValue | null {
  const file = cluster.redis.passwordFile
  return readSecret(secret.fromEnv, file, `${secret.key}.passwordFile`, secret.readFile ?? readUtf8, secret.problems)
}

/** The ioredis options every connection of the broker to Redis uses, and where that is (for logs and errors). */
export function redisSettings(cluster: ClusterConfig, password: SecretValue | null): RedisSettings {
  const { redis } = cluster
  const account = { db: redis.db, ...(redis.username === undefined ? {} : { username: redis.username }) }
  const keyPrefix = redis.keyPrefix
  const beat = cluster.heartbeatMs === undefined ? {} : { heartbeatMs: cluster.heartbeatMs }
  if (redis.path !== undefined)
    return { where: redis.path, connection: { path: redis.path, ...account }, password, keyPrefix, ...beat }
  if (redis.host !== undefined) {
    const port = redis.port ?? 6379
    const connection = { host: redis.host, port, ...account }
    return { where: `${redis.host}:${port}`, connection, password, keyPrefix, ...beat }
  }
  const url = new URL(redis.url ?? '')
  const connection: RedisOptions = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 6379 : Number(url.port),
    ...account,
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  }
  return { where: `${url.protocol}//${url.host}`, connection, password, keyPrefix, ...beat }
}
