import { randomBytes } from 'node:crypto'
import mqtt, { type MqttClient } from 'mqtt'
import { decodeAgentMessage } from '../schemas/mini/agent-wire.ts'
import { agentClientId } from '../schemas/principals.ts'
import { buildTopic } from '../schemas/topics.ts'
import type { Logger } from '../lib/log.ts'
import { classifyCapability } from './amt/classify.ts'
import { AmtError, type Amt, type CapabilityClass } from './amt/port.ts'
import { withTimeout } from '../lib/with-timeout.ts'
import { connectOptions } from './connect-options.ts'
import type { AgentConfig } from './config.ts'
import { resolveIdentity, type AgentIdentity } from './identity.ts'
import type { ServiceControl } from './services/port.ts'

/** What `amt-agent status` reports: what the agent would see right now on this node. */
export interface StatusReport {
  identity: AgentIdentity | { error: string }
  rpc: { line: string; version: string } | { error: string }
  meDevice: string | null
  capability: CapabilityClass | { error: string }
  /** The phase the firmware implies (the daemon's own phase also depends on desired). */
  phase: 'PROVISIONED' | 'UNPROVISIONED' | 'NOT_SUPPORTED' | 'UNKNOWN'
  controlMode: string | null
  remoteStatus: string | null
  lms: string
  broker: { url: string; reachable: boolean; error?: string; subscriptions?: SubscriptionReport }
  healthy: boolean
}

/**
 * What can honestly be said about the agent's subscriptions (its own `desired` and `secret/res`, the only topics it
 * may read). A refusal (SUBACK 0x80) is certain. Delivery is proven only by a retained `desired` arriving; none
 * arriving cannot tell "none published yet" from "granted but denied at delivery" (Mosquitto's acl_file grants
 * subscriptions it then filters), and the agent may publish nothing it could read back to probe with.
 */
interface SubscriptionReport {
  filters: string[]
  refused: string[]
  delivers: 'yes' | 'no' | 'unknown'
  desired: { received: true; generation: number; state: string } | { received: false }
  detail: string
}

const NO_DESIRED = 'no desired received (none published yet, or denied)'

/**
 * Runs the agent's observation once (rpc version, ME probe, amtinfo, classification, LMS state) and a short
 * broker connect with its own client id, so it does not take over the running daemon's session. It runs rpc
 * itself: while the daemon runs an rpc operation the ME may answer busy.
 */
export async function collectStatus({
  config,
  amt,
  services,
  log,
  timeoutMs,
  desiredWaitMs,
}: {
  config: AgentConfig
  amt: Amt
  services: ServiceControl
  log: Logger
  timeoutMs: number
  /** How long to wait for the retained desired after subscribing; default min(timeoutMs, 2 s). */
  desiredWaitMs?: number
}): Promise<StatusReport> {
  const identity = attempt(() => resolveIdentity(config))
  const rpc = await attemptAsync(() => amt.version())
  const meDevice = await amt.probeDevice()
  let capability: CapabilityClass | { error: string }
  let controlMode: string | null = null
  let remoteStatus: string | null = null
  try {
    const info = await amt.info()
    capability = classifyCapability({ meDevice, info }) ?? { error: 'unclassified' }
    controlMode = info.controlMode
    remoteStatus = info.ras?.remoteStatus ?? null
  } catch (err) {
    if (!(err instanceof AmtError)) throw err
    capability = classifyCapability({ meDevice, error: err }) ?? { error: err.message }
  }
  const lms = await services.lmsState().catch(() => 'unknown')
  const waitMs = desiredWaitMs ?? Math.min(timeoutMs, 2000)
  const broker =
    'error' in identity
      ? { url: config.broker.url, reachable: false, error: 'no identity' }
      : await probeBroker(config, identity, { timeoutMs, waitMs }, log)
  const phase = phaseOf(capability, controlMode)
  const subscriptionsOk = broker.subscriptions?.delivers !== 'no'
  const observed = !('error' in identity) && !('error' in rpc) && !('error' in capability)
  const healthy = observed && broker.reachable && subscriptionsOk
  return { identity, rpc, meDevice, capability, phase, controlMode, remoteStatus, lms, broker, healthy }
}

function phaseOf(capability: CapabilityClass | { error: string }, controlMode: string | null): StatusReport['phase'] {
  if ('error' in capability) return 'UNKNOWN'
  if (!capability.capable) return 'NOT_SUPPORTED'
  if (controlMode === 'CCM' || controlMode === 'ACM') return 'PROVISIONED'
  return controlMode === 'PRE_PROVISIONING' ? 'UNPROVISIONED' : 'UNKNOWN'
}

async function probeBroker(
  config: AgentConfig,
  identity: AgentIdentity,
  { timeoutMs, waitMs }: { timeoutMs: number; waitMs: number },
  log: Logger,
): Promise<StatusReport['broker']> {
  const url = config.broker.url
  const options = {
    ...connectOptions(config, identity),
    clientId: agentClientId(identity, `status-${randomBytes(4).toString('hex')}`),
    connectTimeout: timeoutMs,
  }
  let client: MqttClient
  try {
    client = await mqtt.connectAsync(url, options, false)
  } catch (err) {
    log.debug({ err }, 'broker probe failed')
    return { url, reachable: false, error: messageOf(err) }
  }
  try {
    const subscriptions = await withTimeout(
      checkSubscriptions(client, identity, waitMs),
      timeoutMs + waitMs,
      `no answer within ${timeoutMs + waitMs} ms`,
    )
    return { url, reachable: true, subscriptions }
  } catch (err) {
    log.debug({ err }, 'subscription check failed')
    const detail = `subscribing failed: ${messageOf(err)}`
    const subscriptions = {
      filters: [],
      refused: [],
      delivers: 'no' as const,
      desired: { received: false as const },
      detail,
    }
    return { url, reachable: true, subscriptions }
  } finally {
    await client.endAsync(true)
  }
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))

/**
 * Subscribes (QoS 1) to the agent's own desired and secret/res like the daemon, then waits up to `waitMs` for the
 * retained desired. Resolves as soon as it arrived; a SUBACK refusal is reported at once.
 */
async function checkSubscriptions(
  client: MqttClient,
  identity: AgentIdentity,
  waitMs: number,
): Promise<SubscriptionReport> {
  const desiredTopic = buildTopic({ ...identity, leaf: 'desired' })
  const filters = [desiredTopic, buildTopic({ ...identity, leaf: 'secret/res' })]
  let onDesired: (desired: { generation: number; state: string }) => void = () => undefined
  const arrived = new Promise<{ generation: number; state: string }>((resolve) => (onDesired = resolve))
  client.on('message', (topic, payload) => {
    if (topic !== desiredTopic) return
    const decoded = decodeAgentMessage(topic, payload)
    if (decoded.kind === 'message' && decoded.leaf === 'desired') onDesired(decoded.payload)
  })
  const refused = await subscribeRefusals(client, filters)
  const report = (delivers: SubscriptionReport['delivers'], desired: SubscriptionReport['desired'], detail: string) =>
    ({ filters, refused, delivers, desired, detail }) satisfies SubscriptionReport
  if (refused.length > 0) {
    const detail = `the broker refused ${refused.join(', ')} (SUBACK 0x80): is this the credential of this tenant/host?`
    return report('no', { received: false }, detail)
  }
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), waitMs)))
  const desired = await Promise.race([arrived, timeout])
  clearTimeout(timer)
  if (desired === null) {
    const detail = `granted; ${NO_DESIRED} within ${waitMs} ms: delivery cannot be confirmed`
    return report('unknown', { received: false }, detail)
  }
  const received = { received: true as const, generation: desired.generation, state: desired.state }
  return report('yes', received, `granted; desired received (generation ${desired.generation}, ${desired.state})`)
}

/** The filters refused in SUBACK (mqtt.js rejects a SUBACK with a failure code; its codes follow our order). */
async function subscribeRefusals(client: MqttClient, filters: string[]): Promise<string[]> {
  try {
    const grants = await client.subscribeAsync(filters, { qos: 1 })
    return grants.filter((grant) => grant.qos >= 0x80).map((grant) => grant.topic)
  } catch (err) {
    const granted = (err as { packet?: { granted?: unknown } }).packet?.granted
    if (!Array.isArray(granted)) throw err
    return filters.filter((_filter, index) => typeof granted[index] === 'number' && granted[index] >= 0x80)
  }
}

/** Human-readable lines of a report (the --json form prints the object). */
export function formatStatus(report: StatusReport): string[] {
  const value = <T extends object>(v: T | { error: string }, show: (v: T) => string) =>
    'error' in v ? `error: ${v.error}` : show(v)
  return [
    `identity:    ${value(report.identity, (id) => `${id.tenantId}/${id.hostId}`)}`,
    `rpc:         ${value(report.rpc, (r) => `${r.version} (${r.line})`)}`,
    `ME device:   ${report.meDevice ?? 'none'}`,
    `capability:  ${value(report.capability, (c) => (c.capable ? `capable (${c.sku})` : `not capable: ${c.reason ?? ''}`))}`,
    `phase:       ${report.phase}${report.controlMode ? ` (control mode ${report.controlMode}, remote ${report.remoteStatus ?? 'n/a'})` : ''}`,
    `LMS:         ${report.lms}`,
    `broker:      ${report.broker.url} ${report.broker.reachable ? 'reachable' : `unreachable: ${report.broker.error ?? ''}`}`,
    ...(report.broker.subscriptions ? [`subscriptions: ${report.broker.subscriptions.detail}`] : []),
  ]
}

function attempt<T>(fn: () => T): T | { error: string } {
  try {
    return fn()
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) }
  }
}

async function attemptAsync<T>(fn: () => Promise<T>): Promise<T | { error: string }> {
  try {
    return await fn()
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) }
  }
}
