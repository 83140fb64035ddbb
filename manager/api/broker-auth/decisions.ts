import { mayPublish, maySubscribeUnfiltered } from '../../../broker/auth/acl.ts'
import { CLIENT_ID_NOT_ALLOWED, clientIdAllowed } from '../../../broker/auth/client-id-policy.ts'
import { checkDevicePayload } from '../../../broker/auth/device-payload-check.ts'
import { LoginGuard } from '../../../broker/auth/login-guard.ts'
import type { Principal } from '../../../broker/auth/principal.ts'
import { loggableTopic, loggableUsername } from '../../../broker/log-safe.ts'
import { BrokerRejection } from '../../../broker/rejection.ts'
import type { Logger } from '../../../lib/log.ts'
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../../../schemas/decode.ts'
import type { BrokerPrincipals } from '../../bus/broker-credentials.ts'

/**
 * The decisions behind the broker-auth endpoints, transport-neutral (each broker's routes only translate shapes).
 * They are the embedded broker's own: the credential store of manager/bus/broker-credentials.ts (Inventory device
 * credentials, decoy hashes for unknown users, KDF lanes) behind the broker's LoginGuard, the client-id policy, and
 * broker/auth/acl.ts for topics. One difference, because these brokers judge only the SUBSCRIBE and never a
 * delivery: filters are granted by maySubscribeUnfiltered. Every refusal is logged (never a password).
 */
export type Verdict = { allowed: true; principal: Principal } | { allowed: false; reason: string }

interface Login {
  /** Null or empty: none given. */
  username: string | null
  password: string | null
  clientId: string
}

interface PublishRequest {
  username: string | null
  topic: string
  /** The message, when the broker sends it: a device's retained leaf is then checked against the contract. */
  payload?: Buffer
}

export interface BrokerAuthDecisions {
  authenticate(login: Login): Promise<Verdict>
  authorizePublish(request: PublishRequest): Promise<Verdict>
  authorizeSubscribe(request: { username: string | null; filter: string }): Promise<Verdict>
}

export interface BrokerAuthDecisionDeps {
  credentials: BrokerPrincipals
  log: Logger
  /** `/`-separated levels a topic or filter may have (the broker limit `maxTopicLevels`). */
  maxTopicLevels: number
  /** Largest payload a device may retain; default the contract's 64 KiB. */
  maxRetainedPayloadBytes?: number
}

const refused = (reason: string): Verdict => ({ allowed: false, reason })

export function createBrokerAuthDecisions(deps: BrokerAuthDecisionDeps): BrokerAuthDecisions {
  const { credentials, maxTopicLevels, maxRetainedPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES } = deps
  const log = deps.log.child({ module: 'api/broker-auth' })
  const guard = new LoginGuard(credentials, { log: deps.log })
  const principalOf = async (username: string | null) =>
    username === null || username === '' ? null : credentials.principalByUsername(username)

  const verifyLogin = async ({ username, password, clientId }: Login): Promise<Verdict> => {
    if (username === null || username === '' || password === null) return refused('missing-credentials')
    // As in the broker (authenticate.ts): scrypt pads short keys with zero bytes, so no password may hold NUL.
    if (password.includes('\0')) return refused('password-nul')
    let principal: Principal | null
    try {
      principal = await guard.verifyPassword(username, password)
    } catch (err) {
      if (err instanceof BrokerRejection) return refused(err.reason)
      throw err
    }
    if (principal === null) return refused('bad-credentials')
    const idAllowed = clientIdAllowed(principal, { clientId, serverAssigned: false })
    return idAllowed ? { allowed: true, principal } : refused(CLIENT_ID_NOT_ALLOWED)
  }

  return {
    async authenticate(login) {
      const verdict = await verifyLogin(login)
      if (!verdict.allowed) {
        const username = loggableUsername(login.username ?? undefined)
        log.warn({ reason: verdict.reason, username }, 'broker-auth: connection refused')
      }
      return verdict
    },

    async authorizePublish({ username, topic, payload }) {
      const principal = await principalOf(username)
      const verdict = principal === null ? refused('no-session') : publishVerdict(principal, topic, payload)
      if (!verdict.allowed) denied(verdict.reason, principal, username, topic, 'publish denied')
      return verdict
    },

    async authorizeSubscribe({ username, filter }) {
      const principal = await principalOf(username)
      const decision = principal === null ? null : maySubscribeUnfiltered(principal, filter, maxTopicLevels)
      if (principal !== null && decision?.allowed === true) return { allowed: true, principal }
      const reason = decision === null || decision.allowed ? 'no-session' : decision.reason
      denied(reason, principal, username, filter, 'subscribe denied')
      return refused(reason)
    },
  }

  function publishVerdict(principal: Principal, topic: string, payload: Buffer | undefined): Verdict {
    const decision = mayPublish(principal, topic, maxTopicLevels)
    if (!decision.allowed) return refused(decision.reason)
    if (principal.role === 'device' && payload !== undefined) {
      const checked = checkDevicePayload(topic, payload, maxRetainedPayloadBytes)
      if (!checked.ok) return refused(`invalid-payload:${checked.reason}`)
    }
    return { allowed: true, principal }
  }

  function denied(reason: string, principal: Principal | null, username: string | null, topic: string, msg: string) {
    const who = principal === null ? { username: loggableUsername(username ?? undefined) } : { principal: principal.id }
    log.warn({ reason, ...who, topic: loggableTopic(topic, principal ?? undefined) }, `broker-auth: ${msg}`)
  }
}
