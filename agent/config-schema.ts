import { HostId, TenantId } from '../schemas/mini/payloads.ts'
import * as z from 'zod/mini'
import { RPC_DEFAULTS } from './amt/rpc-defaults.ts'
import { SYSTEMD_DEFAULTS } from './services/systemd-defaults.ts'

/**
 * The agent's YAML configuration. Strict at every level: an unknown key is a typo and is reported, never
 * silently ignored. Secrets are never read from this file's values: the broker password comes from
 * `broker.passwordFile` or AMT_AGENT_BROKER_PASSWORD, the RPS token from AMT_AGENT_RPS_TOKEN. The defaults of
 * `rpc` and `lms` are the adapters' own (RPC_DEFAULTS, SYSTEMD_DEFAULTS), written once there.
 * Written with zod/mini, like everything the agent's bundle parses (docs/benchmarks.md, agent memory).
 */

const int = (min: number, max: number) => z.int().check(z.gte(min), z.lte(max))
const ms = int
const text = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max))
const path = text(1, 4096)

const BrokerUrl = z.string().check(
  z.maxLength(2048),
  z.refine((value) => URL.canParse(value) && /^(mqtts?|wss?):\/\/[^/]/.test(value), {
    message: 'must be an mqtt://, mqtts://, ws:// or wss:// URL',
  }),
)

/** The agent's reconnect policy by default (agent/reconnect-policy.ts; the fleet benchmark's agents use it too). */
export const RECONNECT_DEFAULTS = Object.freeze({
  reconnectMinMs: 500,
  reconnectWindowMs: 5_000,
  reconnectMaxMs: 60_000,
})

const Broker = z
  .strictObject({
    url: BrokerUrl,
    /** Default: <hostId>@<tenantId>, the username of the credential the manager issues. */
    username: z.optional(text(1, 256)),
    passwordFile: z.optional(path),
    clientCertFile: z.optional(path),
    clientKeyFile: z.optional(path),
    caFile: z.optional(path),
    keepaliveSeconds: z._default(int(5, 3600), 30),
    connectTimeoutMs: z._default(ms(500, 120_000), 10_000),
    reconnectMinMs: z._default(ms(10, 600_000), RECONNECT_DEFAULTS.reconnectMinMs),
    /** While the broker is unreachable, attempts are at most this far apart (jittered); busy answers widen it up to reconnectMaxMs. */
    reconnectWindowMs: z._default(ms(10, 3_600_000), RECONNECT_DEFAULTS.reconnectWindowMs),
    reconnectMaxMs: z._default(ms(10, 3_600_000), RECONNECT_DEFAULTS.reconnectMaxMs),
    offlineQueueLimit: z._default(int(1, 100_000), 100),
  })
  .check(
    z.refine((b) => (b.clientCertFile === undefined) === (b.clientKeyFile === undefined), {
      message: 'clientCertFile and clientKeyFile go together',
      path: ['clientCertFile'],
    }),
    z.refine((b) => b.reconnectMinMs <= b.reconnectMaxMs, {
      message: 'must not exceed reconnectMaxMs',
      path: ['reconnectMinMs'],
    }),
  )

const Rpc = z.strictObject({
  path: z._default(path, RPC_DEFAULTS.path),
  amtinfoTimeoutMs: z._default(ms(100, 3_600_000), RPC_DEFAULTS.amtinfoTimeoutMs),
  operationTimeoutMs: z._default(ms(100, 3_600_000), RPC_DEFAULTS.operationTimeoutMs),
  killGraceMs: z._default(ms(0, 600_000), RPC_DEFAULTS.killGraceMs),
  skipCertCheck: z._default(z.boolean(), RPC_DEFAULTS.skipCertCheck),
  /** Where the ME interface devices mei0..mei3 are probed. */
  devDir: z._default(path, RPC_DEFAULTS.devDir),
})

const Rps = z.strictObject({
  /** Default RPS URL; a desired rpsUrl wins. */
  url: z.optional(z.url({ protocol: /^wss?$/ }).check(z.maxLength(512))),
  tenant: z.optional(text(1, 128)),
  /** Default profile; a desired profileName wins. */
  profile: z.optional(text(1, 128)),
})

const Reconcile = z
  .strictObject({
    intervalMs: z._default(ms(100, 86_400_000), 300_000),
    maxAttempts: z._default(int(1, 100), 3),
    retryBaseMs: z._default(ms(1, 3_600_000), 5_000),
    retryMaxMs: z._default(ms(1, 86_400_000), 300_000),
    stuckConnectingMs: z._default(ms(10, 86_400_000), 180_000),
    maxRecoveries: z._default(int(0, 100), 2),
    secretTimeoutMs: z._default(ms(10, 3_600_000), 30_000),
    secretResendMs: z._default(ms(10, 600_000), 2_000),
  })
  .check(
    z.refine((r) => r.retryBaseMs <= r.retryMaxMs, { message: 'must not exceed retryMaxMs', path: ['retryBaseMs'] }),
  )

const Lms = z.strictObject({
  /** Enable MEI + LMS once the node is classified capable. */
  manage: z._default(z.boolean(), true),
  modprobe: z._default(z.array(text(1, 256)).check(z.minLength(1)), () => [...SYSTEMD_DEFAULTS.modprobe]),
  systemctl: z._default(text(1, 256), SYSTEMD_DEFAULTS.systemctl),
})

const Identity = z.strictObject({
  productUuidPath: z._default(path, '/sys/class/dmi/id/product_uuid'),
})

const Log = z.strictObject({
  level: z._default(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
})

export const AgentConfigFile = z.strictObject({
  tenantId: TenantId,
  /** Default: the SMBIOS UUID read from identity.productUuidPath. */
  hostId: z.optional(HostId),
  identity: z.prefault(Identity, {}),
  broker: Broker,
  rpc: z._default(Rpc, Rpc.parse({})),
  rps: z._default(Rps, {}),
  reconcile: z._default(Reconcile, Reconcile.parse({})),
  lms: z._default(Lms, Lms.parse({})),
  log: z.prefault(Log, {}),
})
export type AgentConfigFile = z.infer<typeof AgentConfigFile>
/** What a test or the YAML file may leave out. */
export type AgentConfigInput = z.input<typeof AgentConfigFile>
