import { randomBytes } from 'node:crypto'
import mqtt from 'mqtt'
import { agentClientId } from '../schemas/principals.ts'
import type { Logger } from '../lib/log.ts'
import { classifyCapability } from './amt/classify.ts'
import { AmtError, type Amt, type CapabilityClass } from './amt/port.ts'
import { connectOptions } from './bus.ts'
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
  broker: { url: string; reachable: boolean; error?: string }
  healthy: boolean
}

/**
 * Runs the agent's observation once (rpc version, ME probe, amtinfo, classification, LMS state) and a short
 * broker connect with its own client id, so it does not take over the running daemon's session. It runs rpc
 * itself: while the daemon runs an rpc operation the ME may answer busy.
 */
export async function collectStatus(
  { config, amt, services, log, timeoutMs }: { config: AgentConfig; amt: Amt; services: ServiceControl; log: Logger; timeoutMs: number },
): Promise<StatusReport> {
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
  const broker = 'error' in identity ? { url: config.broker.url, reachable: false, error: 'no identity' } : await probeBroker(config, identity, timeoutMs, log)
  const phase = phaseOf(capability, controlMode)
  const healthy = !('error' in identity) && !('error' in rpc) && !('error' in capability) && broker.reachable
  return { identity, rpc, meDevice, capability, phase, controlMode, remoteStatus, lms, broker, healthy }
}

function phaseOf(capability: CapabilityClass | { error: string }, controlMode: string | null): StatusReport['phase'] {
  if ('error' in capability) return 'UNKNOWN'
  if (!capability.capable) return 'NOT_SUPPORTED'
  if (controlMode === 'CCM' || controlMode === 'ACM') return 'PROVISIONED'
  return controlMode === 'PRE_PROVISIONING' ? 'UNPROVISIONED' : 'UNKNOWN'
}

async function probeBroker(config: AgentConfig, identity: AgentIdentity, timeoutMs: number, log: Logger): Promise<StatusReport['broker']> {
  const url = config.broker.url
  const options = {
    ...connectOptions(config, identity),
    clientId: agentClientId(identity, `status-${randomBytes(4).toString('hex')}`),
    connectTimeout: timeoutMs,
  }
  try {
    const client = await mqtt.connectAsync(url, options, false)
    await client.endAsync()
    return { url, reachable: true }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    log.debug({ err }, 'broker probe failed')
    return { url, reachable: false, error: message }
  }
}

/** Human-readable lines of a report (the --json form prints the object). */
export function formatStatus(report: StatusReport): string[] {
  const value = <T extends object>(v: T | { error: string }, show: (v: T) => string) => ('error' in v ? `error: ${v.error}` : show(v))
  return [
    `identity:    ${value(report.identity, (id) => `${id.tenantId}/${id.hostId}`)}`,
    `rpc:         ${value(report.rpc, (r) => `${r.version} (${r.line})`)}`,
    `ME device:   ${report.meDevice ?? 'none'}`,
    `capability:  ${value(report.capability, (c) => (c.capable ? `capable (${c.sku})` : `not capable: ${c.reason ?? ''}`))}`,
    `phase:       ${report.phase}${report.controlMode ? ` (control mode ${report.controlMode}, remote ${report.remoteStatus ?? 'n/a'})` : ''}`,
    `LMS:         ${report.lms}`,
    `broker:      ${report.broker.url} ${report.broker.reachable ? 'reachable' : `unreachable: ${report.broker.error ?? ''}`}`,
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
