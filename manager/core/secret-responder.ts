import type { Logger } from '../../lib/log.ts'
import { SCHEMA_VERSION } from '../../schemas/envelope.ts'
import { SecretResponse } from '../../schemas/messages/secret.ts'
import { buildTopic, encodePayload, LEAF_RULES } from '../../schemas/index.ts'
import type { Outbound, PublishOptions } from '../ports/outbound.ts'
import type { HostKey } from '../inventory/port.ts'
import type { ManagerMetrics } from '../metrics/metrics.ts'
import type { SecretRequestFacts } from './facts.ts'
import type { AmtPasswordSource, PasswordAnswer, RotationAsk } from '../ports/provisioning.ts'

/** The contract's retain flag and QoS of `secret/res` (LEAF_RULES). */
const SECRET_RES: PublishOptions = { qos: LEAF_RULES['secret/res'].qos, retain: LEAF_RULES['secret/res'].retained }

export interface SecretResponderDeps {
  secrets: AmtPasswordSource
  outbound: Outbound
  log: Logger
  metrics: ManagerMetrics
  now: () => Date
}

export interface SecretResponder {
  /** Answers a request an operation of the host needs (handlers/secret-need.ts) from the secret store. */
  answer(key: HostKey, request: SecretRequestFacts, rotation?: RotationAsk): Promise<void>
  /** Refuses a request no operation needs: ok false without `retryable`, counted; the store is not asked. */
  refuse(key: HostKey, request: SecretRequestFacts, reason: string): void
}

/**
 * Answers a stored secret/req on the host's secret/res (never retained, QoS 1; the broker's ACL lets only
 * that device read it). The password is never logged; a store failure becomes `ok: false` with a generic text.
 */
export function createSecretResponder({
  secrets,
  outbound,
  log: parentLog,
  metrics,
  now,
}: SecretResponderDeps): SecretResponder {
  const log = parentLog.child({ module: 'secrets' })

  function publish(key: HostKey, request: SecretRequestFacts, answer: PasswordAnswer): SecretResponse {
    const base = {
      v: SCHEMA_VERSION as typeof SCHEMA_VERSION,
      ts: now().toISOString(),
      hostId: key.hostId,
      correlationId: request.correlationId,
    }
    const ok = SecretResponse.safeParse({ ...base, ...answer })
    const payload = ok.success
      ? ok.data
      : { ...base, ok: false as const, error: 'the stored AMT password is not usable (8-32 characters)' }
    const topic = buildTopic({ tenantId: key.tenantId, hostId: key.hostId, leaf: 'secret/res' })
    outbound.publish(topic, encodePayload('secret/res', payload), SECRET_RES)
    metrics.published.inc({ leaf: 'secret/res' })
    return payload
  }

  async function passwordFor(
    key: HostKey,
    request: SecretRequestFacts,
    rotation?: RotationAsk,
  ): Promise<PasswordAnswer> {
    try {
      const { purpose, generation, candidate } = request
      return await secrets.getAmtPassword(key, {
        purpose,
        generation,
        ...(candidate === undefined ? {} : { candidate }),
        ...(rotation?.newVersion === undefined ? {} : { newVersion: rotation.newVersion }),
      })
    } catch (err) {
      log.error({ ...key, errName: err instanceof Error ? err.name : typeof err }, 'secret store failed')
      return { ok: false, error: 'the secret store is unavailable', retryable: true }
    }
  }

  return {
    async answer(key, request, rotation) {
      const payload = publish(key, request, await passwordFor(key, request, rotation))
      const refused = payload.ok ? undefined : payload.error
      const which = payload.ok ? { origin: payload.origin, version: payload.version, more: payload.more } : {}
      log.info(
        {
          ...key,
          correlationId: request.correlationId,
          purpose: request.purpose,
          generation: request.generation,
          candidate: request.candidate,
          ...which,
          ok: payload.ok,
          refused,
        },
        'secret request answered',
      )
    },
    refuse(key, request, reason) {
      publish(key, request, { ok: false, error: reason })
      metrics.secretRefusals.inc()
      log.warn(
        {
          ...key,
          correlationId: request.correlationId,
          purpose: request.purpose,
          generation: request.generation,
          reason,
        },
        'secret request refused: no operation needs it',
      )
    },
  }
}
