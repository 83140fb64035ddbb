import { DatabaseSection } from './database.ts'
import { z } from 'zod'
import { ClusterConfig } from '../../broker/cluster/redis-config.ts'
import { BrokerConfig } from '../../broker/config.ts'
import { DEFAULT_DEADLINES } from '../core/flows/deadlines.ts'
import { AcmSection } from './acm.ts'
import { AuditSection } from './audit.ts'
import { RolloutsSection } from './rollouts.ts'
import { BrokerAuthSection } from './broker-auth.ts'
import { ConsoleSection } from './console.ts'
import { GrpcSection } from './grpc.ts'
import { DmtSection, PasswordsSection, SecretsSection } from './sections.ts'

/**
 * The manager's YAML configuration (docs/operations.md). Strict at every level: an unknown key is a typo and is
 * reported. Secrets are never values in this file: each comes from a file (`...File`) or the environment
 * (config.ts, resolve.ts). The integration sections (secrets, passwords, dmt): sections.ts; grpc: grpc.ts.
 */

const Port = z.int().min(0).max(65535)
const Host = z.string().min(1).max(255)
const FilePath = z.string().min(1).max(4096)
const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])

const MqttUrl = z
  .string()
  .max(2048)
  .refine((value) => URL.canParse(value) && /^(mqtts?|wss?):\/\/[^/]/.test(value), {
    message: 'must be an mqtt://, mqtts://, ws:// or wss:// URL',
  })

/** Connection limits of the API listener (docs/operations.md, "Connection limits and hostile sockets"). */
export const ApiConnectionLimits = z
  .strictObject({
    /** A socket with no traffic either way for this long is closed (one that never sends anything too). */
    idleTimeoutMs: z.int().min(100).max(3_600_000).default(30_000),
    /** The request line and headers must arrive within this time of the request's start. */
    headersTimeoutMs: z.int().min(100).max(3_600_000).default(10_000),
    /** The whole request (headers and body) must arrive within this time. */
    requestTimeoutMs: z.int().min(100).max(3_600_000).default(30_000),
    /** An idle keep-alive connection is closed after this long. */
    keepAliveTimeoutMs: z.int().min(100).max(3_600_000).default(5_000),
    /** Open sockets of one address; one more is refused. */
    maxConnectionsPerAddress: z.int().min(1).max(1_000_000).default(256),
    /** Sockets without a request in flight, all addresses; one more evicts the oldest. Default: 1/8 of the open-files limit. */
    maxIdleConnections: z.int().min(1).max(10_000_000).optional(),
  })
  .refine((limits) => limits.headersTimeoutMs <= limits.requestTimeoutMs, {
    message: 'headersTimeoutMs must not exceed requestTimeoutMs',
    path: ['headersTimeoutMs'],
  })
export type ApiConnectionLimits = z.infer<typeof ApiConnectionLimits>

/** Live host-change streams (GET /api/v1/tenants/{tenantId}/hosts/changes; docs/api.md "Live host changes"). */
export const HostChangeStreamLimits = z.strictObject({
  /** Recent changes kept so a reconnecting stream resumes by Last-Event-ID (older: `resync`). */
  replayBuffer: z.int().min(1).max(1_000_000).default(10_000),
  /** Open streams, all tokens; one more is 503 STREAMS_UNAVAILABLE. */
  maxStreams: z.int().min(1).max(100_000).default(1000),
  /** Open streams of one token (or of the sessions made from it); one more is 429 TOO_MANY_STREAMS. */
  maxTokenStreams: z.int().min(1).max(100_000).default(16),
  /** A stream whose unsent bytes grow past this (a slow reader) is closed; it resumes by Last-Event-ID. */
  maxBufferedBytes: z
    .int()
    .min(1024)
    .max(1024 ** 3)
    .default(4 * 1024 * 1024),
  /** A comment line this often keeps proxies and the idle timeout from closing a quiet stream (≤ idleTimeoutMs / 2). */
  heartbeatMs: z.int().min(100).max(3_600_000).default(25_000),
  /** The `retry:` hint: how long a browser waits before it reconnects. */
  retryMs: z.int().min(100).max(3_600_000).default(3000),
})
export type HostChangeStreamLimits = z.infer<typeof HostChangeStreamLimits>

const Api = z.strictObject({
  host: Host.default('127.0.0.1'),
  port: Port.default(8080),
  limits: ApiConnectionLimits.prefault({}),
  hostChanges: HostChangeStreamLimits.prefault({}),
  /** The web console's sessions (console.ts). */
  console: ConsoleSection,
  /** HTTP authentication + authorization for external brokers (broker-auth.ts). */
  brokerAuth: BrokerAuthSection,
})

/** The embedded broker's listeners and limits reuse the broker's own schemas (broker/config.ts). */
const brokerListeners = BrokerConfig.shape.listeners.shape
const WsListener = brokerListeners.ws.unwrap().extend({ port: Port.default(9001) })

const Embedded = z.strictObject({
  tcp: brokerListeners.tcp.unwrap().prefault({}).describe('required: the manager itself connects over it (loopback)'),
  ws: WsListener.optional(),
  tls: brokerListeners.tls,
  limits: BrokerConfig.shape.limits,
  /** Broker credentials file (broker/README.md format) with `integrator` principals only. */
  integratorsFile: FilePath.optional(),
  /** The URL told to devices with a new credential; default mqtt://<tcp.host>:<tcp.port> (unless a wildcard host). */
  deviceUrl: MqttUrl.optional(),
  /** Brokers of several managers sharing sessions, retained messages and routing through Redis (broker/README.md). */
  cluster: ClusterConfig.optional(),
})

const External = z
  .strictObject({
    url: MqttUrl,
    username: z.string().min(1).max(256).default('amt-manager'),
    passwordFile: FilePath.optional(),
    caFile: FilePath.optional(),
    certFile: FilePath.optional(),
    keyFile: FilePath.optional(),
    /** The URL told to devices with a new credential; default: `url`. */
    deviceUrl: MqttUrl.optional(),
    /**
     * The manager's MQTT client id (fixed: a persistent session is found again by it; one per manager replica).
     * Default: the username. amt-broker accepts only the username or `<username>:<suffix>` (broker/README.md).
     */
    clientId: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[\x21-\x7e]+$/, { message: 'printable ASCII without spaces' })
      .optional(),
    /**
     * Clean session off: what devices publish while the manager is away is queued by the broker for it. Default:
     * true, false with `sharedGroup` (a replica that is gone for good must not keep its share of the messages).
     */
    persistentSession: z.boolean().optional(),
    /**
     * Manager replicas on one broker: the agent leaves are subscribed as the MQTT shared subscription
     * `$share/<sharedGroup>/amt/v1/+/+/<leaf>` (MQTT 5), so each message goes to one replica (docs/replicas.md).
     */
    sharedGroup: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'letters, digits, _ and -, at most 64' })
      .optional(),
    /** Mosquitto 2 with its dynamic-security plugin: the manager keeps device accounts and roles there. */
    mosquittoDynamicSecurity: z.boolean().default(false),
    /**
     * The manager's MQTT keep alive. Its client drops the connection itself when no acknowledgement or PINGRESP came
     * for 1.5 × this; a broker cluster behind Redis in a large wave can answer later than the default allows, and a
     * reconnect then costs a replay of every retained report. The delivery probe checks the path every 30 s anyway.
     */
    keepaliveSeconds: z.number().int().min(5).max(3600).default(30),
  })
  .refine((b) => (b.certFile === undefined) === (b.keyFile === undefined), {
    message: 'certFile and keyFile go together',
    path: ['certFile'],
  })
  .refine((b) => b.sharedGroup === undefined || b.persistentSession !== true, {
    message:
      'a persistent session with sharedGroup: the broker would keep queueing the share of a replica that is gone',
    path: ['persistentSession'],
  })
  .transform((b) => ({
    ...b,
    clientId: b.clientId ?? b.username,
    persistentSession: b.persistentSession ?? b.sharedGroup === undefined,
  }))

const Broker = z
  .strictObject({ embedded: Embedded.optional(), external: External.optional() })
  .refine((b) => b.embedded === undefined || b.external === undefined, { message: 'choose one: embedded or external' })
  .transform((b): EmbeddedBrokerConfig | ExternalBrokerConfig =>
    b.external !== undefined
      ? { mode: 'external', ...b.external }
      : { mode: 'embedded', ...(b.embedded ?? Embedded.parse({})) },
  )

/** Legacy (before `dmt`): only the activation URL sent in every desired, RPS not managed. With `dmt`, use dmt.rps.activationUrl. */
const Rps = z.strictObject({
  url: z
    .url({ protocol: /^wss?$/ })
    .max(512)
    .optional()
    .describe('RPS activation endpoint sent in every desired when `dmt` is absent'),
})

/** The core takes the section as it is (manager/core/flows/deadlines.ts owns the defaults). */
const { deletionRetry: retryDefaults, ...deadlineDefaults } = DEFAULT_DEADLINES
const Deadlines = z.strictObject({
  activationMs: z
    .int()
    .min(1000)
    .max(7 * 86_400_000)
    .default(deadlineDefaults.activationMs),
  /** A password rotation without the agent's outcome for this long fails (docs/credentials.md "Rotation"). */
  rotationMs: z
    .int()
    .min(1000)
    .max(7 * 86_400_000)
    .default(deadlineDefaults.rotationMs),
  checkIntervalMs: z.int().min(100).max(3_600_000).default(deadlineDefaults.checkIntervalMs),
  /** A deletion whose Vault/RPS/MPS cleanup failed is retried after firstMs, doubling (with jitter) up to maxMs. */
  deletionRetry: z
    .strictObject({
      firstMs: z.int().min(100).max(3_600_000).default(retryDefaults.firstMs),
      maxMs: z.int().min(100).max(86_400_000).default(retryDefaults.maxMs),
    })
    .refine((retry) => retry.maxMs >= retry.firstMs, { message: 'maxMs must not be smaller than firstMs' })
    .prefault({}),
})

/**
 * AMT password rotation (docs/credentials.md "Rotation"). `mpsPasswordCopy`: how MPS's copy of a rotated password
 * (RPS's Vault device secret `<rpsVault.mount>/<rpsVault.devicesPath>/<guid>`, key AMT_PASSWORD) follows: `vault`
 * writes it there with check-and-set (needs secrets.kind vault: the same Vault), `none` states that MPS does not
 * use these devices. Absent while dmt (an MPS) is configured: rotation is refused (ROTATION_MPS_COPY_UNCONFIGURED).
 */
const Rotation = z.strictObject({
  mpsPasswordCopy: z.enum(['vault', 'none']).optional(),
  rpsVault: z
    .strictObject({
      mount: z
        .string()
        .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/)
        .max(256)
        .default('secret'),
      devicesPath: z
        .string()
        .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/)
        .max(256)
        .default('devices'),
    })
    .prefault({}),
})

const Startup = z.strictObject({
  /** How long start-up waits for its dependencies (Inventory lock, external broker) before giving up. */
  timeoutMs: z.int().min(100).max(3_600_000).default(60_000),
})

export const ManagerConfigFile = z
  .strictObject({
    dataDir: FilePath.default('./data'),
    /** sqlite (default, one process) or postgres (shared: replicas); database.ts. */
    database: DatabaseSection,
    api: Api.prefault({}),
    broker: Broker.prefault({ embedded: {} }),
    rps: Rps.prefault({}),
    secrets: SecretsSection,
    passwords: PasswordsSection,
    dmt: DmtSection.optional(),
    grpc: GrpcSection.optional(),
    deadlines: Deadlines.prefault({}),
    rotation: Rotation.prefault({}),
    /** Audit retention and the per-host budgets of events and secret/req (audit.ts). */
    audit: AuditSection,
    /** Retention of final rollouts (rollouts.ts). */
    rollouts: RolloutsSection,
    /** The tenants' ACM provisioning certificate chains, for ACM eligibility (acm.ts). */
    acm: AcmSection,
    /** The legacy JSON token file, imported once (docs/operations.md); default <dataDir>/api-tokens.json. */
    tokensFile: FilePath.optional(),
    startup: Startup.prefault({}),
    log: z.strictObject({ level: LogLevel.default('info') }).prefault({}),
  })
  .superRefine((config, ctx) => {
    if (config.dmt !== undefined && config.rps.url !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['rps', 'url'],
        message: 'remove it: with dmt, the activation URL is dmt.rps.activationUrl',
      })
    }
    if (config.rotation.mpsPasswordCopy === 'vault' && config.secrets.kind !== 'vault') {
      ctx.addIssue({
        code: 'custom',
        path: ['rotation', 'mpsPasswordCopy'],
        message: "vault needs secrets.kind vault: RPS's device secrets are written through the manager's Vault",
      })
    }
    // Two listeners on one port fail at start with EADDRINUSE; say which keys collide instead (0 = any free port).
    const ports: Array<[string, number]> = [['api.port', config.api.port]]
    if (config.grpc) ports.push(['grpc.port', config.grpc.port])
    const { broker } = config
    if (broker.mode === 'embedded') {
      ports.push(['broker.embedded.tcp.port', broker.tcp.port])
      if (broker.ws) ports.push(['broker.embedded.ws.port', broker.ws.port])
      if (broker.tls) ports.push(['broker.embedded.tls.port', broker.tls.port])
    }
    ports.forEach(([key, port], index) => {
      const earlier = ports.slice(0, index).find(([, other]) => port !== 0 && other === port)
      if (earlier)
        ctx.addIssue({ code: 'custom', path: key.split('.'), message: `port ${port} is taken by ${earlier[0]}` })
    })
  })

export type ManagerConfigFile = z.infer<typeof ManagerConfigFile>
export type ManagerConfigInput = z.input<typeof ManagerConfigFile>

type EmbeddedFields = z.infer<typeof Embedded>
type ExternalFields = z.infer<typeof External>
export type EmbeddedBrokerConfig = { mode: 'embedded' } & EmbeddedFields
export type ExternalBrokerConfig = { mode: 'external' } & ExternalFields
