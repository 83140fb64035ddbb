import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { describeIssues } from '../schemas/issues.ts'
import { ClusterConfig, resolveClusterPaths } from './cluster/redis-config.ts'

/**
 * The broker's configuration: parsed once at start from a YAML file with zod, frozen, passed down.
 * Relative file paths (certificates, credentials) are resolved against the config file's directory.
 */
const Host = z.string().min(1)
const Port = z.number().int().min(0).max(65535)

const TcpListener = z.strictObject({ host: Host.default('127.0.0.1'), port: Port.default(1883) })

const TlsListener = z.strictObject({
  host: Host.default('127.0.0.1'),
  port: Port.default(8883),
  certFile: z.string().min(1),
  keyFile: z.string().min(1),
  /** CA bundle that signs client certificates (mTLS). Without it, no client certificate is trusted. */
  caFile: z.string().min(1).optional(),
  /** Ask clients for a certificate (mTLS). Clients without one may still log in with a password. */
  requestClientCert: z.boolean().default(false),
})

const WsListener = z.strictObject({
  host: Host.default('127.0.0.1'),
  port: Port.default(8080),
  path: z.string().startsWith('/').default('/mqtt'),
})

/**
 * A token bucket per source address (broker/limits/connect-rate-limiter.ts). A whole site behind one NAT address
 * may reconnect at once: `burst` admits 1,000 at once, `perSecond` refills a full burst in 50 s (1,200 a minute,
 * so a 1,000-node site can reconnect every minute), and caps what one hostile address sustains at 20 CONNECTs
 * (and scrypt checks) a second.
 */
const ConnectRateLimitKeys = z.strictObject({
  /** Attempts one address may make at once (bucket capacity). */
  burst: z.int().min(1).max(1_000_000_000).default(1000),
  /** Attempts per second one address may sustain (refill rate); fractions allowed, e.g. 0.5. */
  perSecond: z.number().gt(0, { message: 'must be > 0 (attempts per second)' }).max(1_000_000_000).default(20),
})

/** Keys of the former fixed-window limit: reported with what replaced them rather than as unknown keys. */
const FORMER_CONNECT_RATE_KEYS: readonly string[] = ['max', 'windowMs']
const FORMER_KEY_MESSAGE = 'replaced by burst and perSecond (a token bucket per address, see broker/README.md)'

const ConnectRateLimit = z.preprocess((value, ctx) => {
  if (typeof value !== 'object' || value === null) return value
  const entries = Object.entries(value)
  for (const [key] of entries) {
    if (FORMER_CONNECT_RATE_KEYS.includes(key))
      ctx.addIssue({ code: 'custom', path: [key], input: value, message: FORMER_KEY_MESSAGE })
  }
  return Object.fromEntries(entries.filter(([key]) => !FORMER_CONNECT_RATE_KEYS.includes(key)))
}, ConnectRateLimitKeys)

/** Per device (all its connections together, broker/limits/device-budget.ts); over it, the publishing connection is closed. */
const DevicePublishRateLimit = z.strictObject({
  /** PUBLISH packets one device may send within one window (default 600 per 10 s: 60/s). */
  max: z.number().int().min(1).default(600),
  windowMs: z.number().int().min(1).default(10_000),
})

const DeviceByteRateLimit = z.strictObject({
  /** Topic + payload bytes one device may publish within one window (default 1 MiB per 10 s: ~100 KiB/s). */
  max: z
    .number()
    .int()
    .min(1)
    .default(1024 * 1024),
  windowMs: z.number().int().min(1).default(10_000),
})

const Limits = z.strictObject({
  /** Whole MQTT packet (fixed header included); a bigger packet closes the connection. */
  maxPacketBytes: z
    .number()
    .int()
    .min(64)
    .max(256 * 1024 * 1024)
    .default(64 * 1024),
  /** `/`-separated levels in a topic or filter; the v1 tree needs 6. aedes itself caps at 100. */
  maxTopicLevels: z.number().int().min(1).max(100).default(16),
  /** A subscriber whose socket does not drain within this time is disconnected. */
  drainTimeoutMs: z.number().int().min(0).default(30_000),
  /** Open connections, handshakes included: room for a 10,000-node fleet, its managers and reconnect overlap. */
  maxConnections: z.number().int().min(1).default(20_000),
  connectRateLimit: ConnectRateLimit.prefault({}),
  devicePublishRateLimit: DevicePublishRateLimit.prefault({}),
  deviceByteRateLimit: DeviceByteRateLimit.prefault({}),
  /** Live connections of one device at once: its agent, a status side connection, and room for two more. */
  maxConnectionsPerDevice: z.int().min(1).max(1000).default(4),
  /**
   * Event-loop lag (ms) above which device CONNECTs are answered CONNACK 3 "server unavailable" (reason `busy`)
   * instead of admitted (limits/load-shedder.ts); 0: never shed.
   */
  shedConnectsAboveLagMs: z.int().min(0).max(600_000).default(2_000),
  /** Time allowed between TCP accept and the CONNECT packet; also the TLS handshake and WebSocket upgrade deadline. */
  connectTimeoutMs: z.number().int().min(1).default(10_000),
  /** Sockets of one address not yet past CONNECT (TCP, TLS and WS together); one more is refused. */
  maxUnauthenticatedPerAddress: z.int().min(1).max(1_000_000).default(500),
  /**
   * Sockets not yet past CONNECT, all addresses: one more evicts the oldest. Default: a quarter of the process's
   * open-files limit (lib/connection-guard.ts), 2,048 where it is unknown.
   */
  maxUnauthenticated: z.int().min(1).max(10_000_000).optional(),
})

/** GET /metrics (Prometheus) and GET /healthz of the standalone broker; absent: no HTTP endpoint. */
const MetricsEndpoint = z.strictObject({ host: Host.default('127.0.0.1'), port: Port.default(9464) })

export const BrokerConfig = z.strictObject({
  listeners: z
    .strictObject({ tcp: TcpListener.optional(), tls: TlsListener.optional(), ws: WsListener.optional() })
    .refine((l) => l.tcp !== undefined || l.tls !== undefined || l.ws !== undefined, {
      message: 'at least one listener (tcp, tls, ws) is required',
    }),
  limits: Limits.prefault({}),
  /** YAML file of principals (see broker/README.md). */
  credentialsFile: z.string().min(1).optional(),
  metrics: MetricsEndpoint.optional(),
  /** Several instances sharing sessions, retained messages and routing through Redis (broker/README.md). */
  cluster: ClusterConfig.optional(),
  startup: z
    .strictObject({
      /** How long start-up waits for the cluster's Redis before giving up (exit 2). */
      timeoutMs: z.int().min(100).max(3_600_000).default(60_000),
    })
    .prefault({}),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
})
export type BrokerConfig = z.infer<typeof BrokerConfig>
export type BrokerConfigInput = z.input<typeof BrokerConfig>
export type TlsListenerConfig = z.infer<typeof TlsListener>
export type LimitsConfig = z.infer<typeof Limits>

export type ConfigLoad = { ok: true; config: Readonly<BrokerConfig> } | { ok: false; problems: string[] }

/** Parses an already-read value; every problem is reported, one line each, with its path. */
export function parseBrokerConfig(value: unknown, baseDir = process.cwd()): ConfigLoad {
  const parsed = BrokerConfig.safeParse(value)
  if (!parsed.success) return { ok: false, problems: describeIssues(parsed.error) }
  return { ok: true, config: Object.freeze(resolvePaths(parsed.data, baseDir)) }
}

/** Reads and parses a YAML config file. Never throws: unreadable or malformed files are problems too. */
export async function loadBrokerConfig(file: string): Promise<ConfigLoad> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    return { ok: false, problems: [`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`] }
  }
  let value: unknown
  try {
    value = parseYaml(text)
  } catch (err) {
    return { ok: false, problems: [`${file} is not valid YAML: ${(err as Error).message}`] }
  }
  return parseBrokerConfig(value ?? {}, path.dirname(path.resolve(file)))
}

function resolvePaths(config: BrokerConfig, baseDir: string): BrokerConfig {
  const resolve = (file: string): string => path.resolve(baseDir, file)
  const tls = config.listeners.tls
  return {
    ...config,
    listeners: {
      ...config.listeners,
      tls: tls && {
        ...tls,
        certFile: resolve(tls.certFile),
        keyFile: resolve(tls.keyFile),
        caFile: tls.caFile && resolve(tls.caFile),
      },
    },
    credentialsFile: config.credentialsFile && resolve(config.credentialsFile),
    cluster: config.cluster && resolveClusterPaths(config.cluster, resolve),
  }
}
