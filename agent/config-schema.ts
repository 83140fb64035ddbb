import { z } from 'zod'
import { HostId, TenantId } from '../schemas/index.ts'
import { RPC_DEFAULTS } from './amt/rpc-defaults.ts'
import { SYSTEMD_DEFAULTS } from './services/systemd-defaults.ts'

/**
 * The agent's YAML configuration. Strict at every level: an unknown key is a typo and is reported, never
 * silently ignored. Secrets are never read from this file's values: the broker password comes from
 * `broker.passwordFile` or AMT_AGENT_BROKER_PASSWORD, the RPS token from AMT_AGENT_RPS_TOKEN. The defaults of
 * `rpc` and `lms` are the adapters' own (RPC_DEFAULTS, SYSTEMD_DEFAULTS), written once there.
 */

const ms = (min: number, max: number) => z.int().min(min).max(max)
const path = z.string().min(1).max(4096)

const BrokerUrl = z
  .string()
  .max(2048)
  .refine((value) => URL.canParse(value) && /^(mqtts?|wss?):\/\/[^/]/.test(value), {
    message: 'must be an mqtt://, mqtts://, ws:// or wss:// URL',
  })

/** The agent's reconnect policy by default (agent/reconnect-policy.ts; the fleet benchmark's agents use it too). */
export const RECONNECT_DEFAULTS = Object.freeze({
  reconnectMinMs: 500,
  reconnectWindowMs: 5_000,
  reconnectMaxMs: 60_000,
})

const Broker = z
  .strictObject({
    url: BrokerUrl,
    username: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe('default: <hostId>@<tenantId>, the username of the credential the manager issues'),
    passwordFile: path.optional(),
    clientCertFile: path.optional(),
    clientKeyFile: path.optional(),
    caFile: path.optional(),
    keepaliveSeconds: z.int().min(5).max(3600).default(30),
    connectTimeoutMs: ms(500, 120_000).default(10_000),
    reconnectMinMs: ms(10, 600_000).default(RECONNECT_DEFAULTS.reconnectMinMs),
    reconnectWindowMs: ms(10, 3_600_000)
      .default(RECONNECT_DEFAULTS.reconnectWindowMs)
      .describe(
        'while the broker is unreachable, attempts are at most this far apart (jittered); busy answers widen it up to reconnectMaxMs',
      ),
    reconnectMaxMs: ms(10, 3_600_000).default(RECONNECT_DEFAULTS.reconnectMaxMs),
    offlineQueueLimit: z.int().min(1).max(100_000).default(100),
  })
  .refine((b) => (b.clientCertFile === undefined) === (b.clientKeyFile === undefined), {
    message: 'clientCertFile and clientKeyFile go together',
    path: ['clientCertFile'],
  })
  .refine((b) => b.reconnectMinMs <= b.reconnectMaxMs, {
    message: 'must not exceed reconnectMaxMs',
    path: ['reconnectMinMs'],
  })

const Rpc = z.strictObject({
  path: path.default(RPC_DEFAULTS.path),
  amtinfoTimeoutMs: ms(100, 3_600_000).default(RPC_DEFAULTS.amtinfoTimeoutMs),
  operationTimeoutMs: ms(100, 3_600_000).default(RPC_DEFAULTS.operationTimeoutMs),
  killGraceMs: ms(0, 600_000).default(RPC_DEFAULTS.killGraceMs),
  skipCertCheck: z.boolean().default(RPC_DEFAULTS.skipCertCheck),
  devDir: path.default(RPC_DEFAULTS.devDir).describe('where the ME interface devices mei0..mei3 are probed'),
})

const Rps = z.strictObject({
  url: z
    .url({ protocol: /^wss?$/ })
    .max(512)
    .optional()
    .describe('default RPS URL; a desired rpsUrl wins'),
  tenant: z.string().min(1).max(128).optional(),
  profile: z.string().min(1).max(128).optional().describe('default profile; a desired profileName wins'),
})

const Reconcile = z
  .strictObject({
    intervalMs: ms(100, 86_400_000).default(300_000),
    maxAttempts: z.int().min(1).max(100).default(3),
    retryBaseMs: ms(1, 3_600_000).default(5_000),
    retryMaxMs: ms(1, 86_400_000).default(300_000),
    stuckConnectingMs: ms(10, 86_400_000).default(180_000),
    maxRecoveries: z.int().min(0).max(100).default(2),
    secretTimeoutMs: ms(10, 3_600_000).default(30_000),
    secretResendMs: ms(10, 600_000).default(2_000),
  })
  .refine((r) => r.retryBaseMs <= r.retryMaxMs, { message: 'must not exceed retryMaxMs', path: ['retryBaseMs'] })

const Lms = z.strictObject({
  manage: z.boolean().default(true).describe('enable MEI + LMS once the node is classified capable'),
  modprobe: z
    .array(z.string().min(1).max(256))
    .min(1)
    .default(() => [...SYSTEMD_DEFAULTS.modprobe]),
  systemctl: z.string().min(1).max(256).default(SYSTEMD_DEFAULTS.systemctl),
})

const Identity = z.strictObject({
  productUuidPath: path.default('/sys/class/dmi/id/product_uuid'),
})

const Log = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
})

export const AgentConfigFile = z.strictObject({
  tenantId: TenantId,
  hostId: HostId.optional().describe('default: the SMBIOS UUID read from identity.productUuidPath'),
  identity: Identity.prefault({}),
  broker: Broker,
  rpc: Rpc.default(Rpc.parse({})),
  rps: Rps.default({}),
  reconcile: Reconcile.default(Reconcile.parse({})),
  lms: Lms.default(Lms.parse({})),
  log: Log.prefault({}),
})
export type AgentConfigFile = z.infer<typeof AgentConfigFile>
/** What a test or the YAML file may leave out. */
export type AgentConfigInput = z.input<typeof AgentConfigFile>
