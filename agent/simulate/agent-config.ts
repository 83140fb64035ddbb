import { parseAgentConfig, type AgentConfig, type ConfigResult } from '../config.ts'
import { SecretValue } from '../../lib/secret-value.ts'
import type { AgentTuning } from './fleet-options.ts'

/** A placeholder identity for the template (every host overrides it). */
const TEMPLATE_ID = 'simulated-template'

/**
 * The agent config of every simulated host, parsed once with the agent's own schema (so the tuning is checked
 * exactly as a node's YAML would be). The environment is not consulted: hosts get their password from their
 * credentials, never from AMT_AGENT_BROKER_PASSWORD.
 */
export function templateConfig(brokerUrl: string, tuning: AgentTuning, logLevel: string): ConfigResult {
  return parseAgentConfig(
    {
      tenantId: TEMPLATE_ID,
      hostId: TEMPLATE_ID,
      broker: {
        url: brokerUrl,
        keepaliveSeconds: tuning.keepaliveSeconds,
        connectTimeoutMs: tuning.connectTimeoutMs,
        reconnectMinMs: tuning.reconnectMinMs,
        reconnectWindowMs: tuning.reconnectWindowMs,
        reconnectMaxMs: tuning.reconnectMaxMs,
        offlineQueueLimit: tuning.offlineQueueLimit,
      },
      rpc: { amtinfoTimeoutMs: tuning.amtinfoTimeoutMs, operationTimeoutMs: tuning.operationTimeoutMs },
      rps: { url: tuning.rpsUrl, profile: tuning.profile },
      reconcile: {
        intervalMs: tuning.reconcileIntervalMs,
        maxAttempts: tuning.maxAttempts,
        retryBaseMs: tuning.retryBaseMs,
        retryMaxMs: tuning.retryMaxMs,
        stuckConnectingMs: tuning.stuckConnectingMs,
        maxRecoveries: tuning.maxRecoveries,
        secretTimeoutMs: tuning.secretTimeoutMs,
      },
      lms: { manage: true },
      log: { level: logLevel },
    },
    { env: {} },
  )
}

/** One host's config: the shared (frozen) template with its own identity and broker credentials. */
export function hostConfig(
  template: AgentConfig,
  host: { tenantId: string; hostId: string; username: string; password: string },
): AgentConfig {
  return Object.freeze({
    ...template,
    tenantId: host.tenantId,
    hostId: host.hostId,
    broker: Object.freeze({ ...template.broker, username: host.username }),
    secrets: Object.freeze({ brokerPassword: new SecretValue(host.password), rpsToken: null }),
  })
}
