import type { AedesOptions, Client } from 'aedes'
import type { Logger } from '../../lib/log.ts'
import { clientIdOf, peerCertificateOf, remoteAddressOf } from '../connection-info.ts'
import type { ConnectionRegistry } from '../connection-registry.ts'
import { loggableUsername, markClientIdVetted } from '../log-safe.ts'
import {
  BrokerRejection,
  CONNACK_BAD_USERNAME_OR_PASSWORD,
  CONNACK_IDENTIFIER_REJECTED,
  CONNACK_NOT_AUTHORIZED,
  CONNACK_SERVER_UNAVAILABLE,
} from '../rejection.ts'
import type { StatsCounters } from '../stats.ts'
import { CLIENT_ID_NOT_ALLOWED, clientIdAllowed } from './client-id-policy.ts'
import type { CredentialStore } from './credentials.ts'
import type { Principal } from './principal.ts'

export interface AuthenticateDeps {
  credentials: CredentialStore
  registry: ConnectionRegistry
  stats: StatsCounters
  log: Logger
  /** Live connections one device may hold at once (main + side connections); absent: unlimited. */
  maxConnectionsPerDevice?: number
  /** True when the broker is too busy to admit a device now (limits/load-shedder.ts): CONNACK 3 `busy`. */
  busy?: () => boolean
}

type Authentication =
  { ok: true; principal: Principal; method: 'certificate' | 'password' } | { ok: false; rejection: BrokerRejection }

const refuse = (reason: string, returnCode = CONNACK_NOT_AUTHORIZED): Authentication => ({
  ok: false,
  rejection: new BrokerRejection(reason, returnCode),
})

/**
 * A client certificate, when presented, decides alone: it must chain to the configured CA and map to a device
 * (certificate-identity.ts); username/password are then ignored. Without a certificate, username + password
 * are checked against the credential store (scrypt, constant time, unknown users cost the same).
 */
async function authenticateConnection(
  credentials: CredentialStore,
  client: Client,
  username: string | undefined,
  password: Buffer | undefined,
): Promise<Authentication> {
  const peer = peerCertificateOf(client)
  if (peer.kind === 'untrusted') return refuse('certificate-untrusted')
  if (peer.kind === 'trusted') {
    const principal = credentials.principalForCertificate(peer.certificate)
    return principal === null ? refuse('certificate-unmapped') : { ok: true, principal, method: 'certificate' }
  }
  if (username === undefined || username.length === 0 || password === undefined) return refuse('missing-credentials')
  // scrypt's HMAC pads short keys with zero bytes: "pw" and "pw\0" would derive the same key. No password holds NUL.
  if (password.includes(0)) return refuse('password-nul', CONNACK_BAD_USERNAME_OR_PASSWORD)
  const principal = await credentials.verifyPassword(username, password)
  return principal === null
    ? refuse('bad-credentials', CONNACK_BAD_USERNAME_OR_PASSWORD)
    : { ok: true, principal, method: 'password' }
}

/**
 * After the credentials, the session: the client id must be one the principal may use (client-id-policy.ts), no
 * live connection of another owner may hold it (defence in depth: owners' ids do not overlap), and a device may
 * not exceed its connection cap (a takeover of one of its own ids replaces a connection and is not counted), and a
 * device is not admitted while the broker sheds load (its credentials were checked first: a cheap digest).
 */
function checkSession(deps: AuthenticateDeps, client: Client, authenticated: Authentication): Authentication {
  if (!authenticated.ok) return authenticated
  const { principal } = authenticated
  const { registry, maxConnectionsPerDevice } = deps
  if (!clientIdAllowed(principal, { clientId: client.id, serverAssigned: registry.serverAssigned(client) })) {
    return refuse(CLIENT_ID_NOT_ALLOWED, CONNACK_IDENTIFIER_REJECTED)
  }
  if (registry.clientIdHeldByOther(client.id, principal)) return refuse('client-id-in-use', CONNACK_IDENTIFIER_REJECTED)
  // Devices only: the manager and integrators are few, and the manager is what works the load off.
  if (principal.role === 'device' && deps.busy?.() === true) return refuse('busy', CONNACK_SERVER_UNAVAILABLE)
  const overCap =
    principal.role === 'device' &&
    maxConnectionsPerDevice !== undefined &&
    registry.deviceConnections(principal, client.id) >= maxConnectionsPerDevice
  return overCap ? refuse('device-connections', CONNACK_SERVER_UNAVAILABLE) : authenticated
}

/** The aedes `authenticate` hook: decide, then log and count every refusal (never a password). */
export function createAuthenticate(deps: AuthenticateDeps): NonNullable<AedesOptions['authenticate']> {
  const { credentials, registry, stats, log: parentLog } = deps
  const log = parentLog.child({ module: 'broker/authenticate' })
  /** `principal`: the credentials were right (the session was refused), so the username is a known name, shown as it is. */
  const refused = (
    client: Client,
    username: string | undefined,
    rejection: BrokerRejection,
    principal?: Principal,
  ): void => {
    stats.count('connectionsRefused', rejection.reason)
    const shownUsername = principal === undefined ? loggableUsername(username) : principal.id
    // Shedding answers thousands of devices in a storm: counted (reason busy), logged only at debug.
    log[rejection.reason === 'busy' ? 'debug' : 'warn'](
      {
        reason: rejection.reason,
        clientId: clientIdOf(client),
        remoteAddress: remoteAddressOf(client),
        username: shownUsername,
      },
      'connection refused',
    )
  }

  return (client, username, password, done) => {
    // Parsed from a connection the broker already closed (and counted), e.g. by the packet-size guard.
    if (client.conn.destroyed) return done(new BrokerRejection('connection-closed'), false)
    authenticateConnection(credentials, client, username, password).then(
      (result) => {
        const checked = checkSession(deps, client, result)
        if (!checked.ok) {
          refused(client, username, checked.rejection, result.ok ? result.principal : undefined)
          return done(checked.rejection, false)
        }
        registry.bind(client, checked.principal)
        markClientIdVetted(client)
        log.debug(
          {
            clientId: clientIdOf(client),
            principal: checked.principal.id,
            role: checked.principal.role,
            method: checked.method,
          },
          'client authenticated',
        )
        done(null, true)
      },
      (err: unknown) => {
        // A refusal decided by the store (login-guard.ts: login-locked, login-busy) is no failure of it.
        if (err instanceof BrokerRejection) {
          refused(client, username, err)
          return done(err, false)
        }
        log.error({ err, clientId: clientIdOf(client) }, 'credential store failed')
        const rejection = new BrokerRejection('credential-store-error', CONNACK_SERVER_UNAVAILABLE)
        stats.count('connectionsRefused', rejection.reason)
        done(rejection, false)
      },
    )
  }
}
