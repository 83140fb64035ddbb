import { randomBytes } from 'node:crypto'
import type { Logger } from '../../lib/log.ts'
import { hashWith, type HashScheme } from '../../broker/auth/password-hash.ts'
import { DEVICE_HASH_SCHEME } from '../bus/broker-credentials.ts'
import type { AmtControlMode } from '../../schemas/enums.ts'
import { deviceUsername } from '../../schemas/principals.ts'
import type { Host, HostKey, Inventory, Labels } from '../inventory/port.ts'
import type { HostWriter } from '../ports/host-writer.ts'
import { ApiError } from './errors.ts'

/**
 * Registering a host: the Inventory record plus the device's MQTT credential for the embedded broker.
 * (A thin adapter in the API: the domain core has no registration function yet.) The record is created directly in
 * Inventory — a creation, undone on a failure before the host is announced: there is no row yet to version, cache or
 * publish — and then announced through the core's write path (`refreshHost`: audit 'host.registered', status).
 * The password is 192 random bits, returned once; only its hash is stored (DEVICE_HASH_SCHEME: a keyed digest, as
 * a random secret of that size needs no key stretching).
 * The username is `<hostId>@<tenantId>`: `@` cannot occur in ids, so it is unique across tenants by construction.
 */
export interface RegisterHostInput extends HostKey {
  name?: string
  controlMode?: AmtControlMode
  dnsSuffix?: string
  /** Stored in the host's create write (the Inventory validates them as every labels write). */
  labels?: Labels
}

export interface DeviceCredentialOnce {
  username: string
  password: string
}

/** Puts the device's account on an external broker (manager/dynsec): the plaintext password exists only now. */
export interface BrokerAccountWriter {
  putDevice(key: HostKey, password: string): Promise<void>
}

export interface RegisterHostDeps {
  inventory: Inventory
  /** External broker accounts; a failure undoes the registration (BROKER_UNAVAILABLE: the caller repeats it). */
  brokerAccounts?: BrokerAccountWriter
  /** The core's write path: the created host read into it, audited, its `status` published. */
  hosts: Pick<HostWriter, 'refreshHost'>
  hashScheme?: HashScheme
  log: Pick<Logger, 'info' | 'error'>
}

export async function registerHost(
  deps: RegisterHostDeps,
  input: RegisterHostInput,
  actor: string,
): Promise<{ host: Host; credential: DeviceCredentialOnce }> {
  const { inventory, log } = deps
  const key = { tenantId: input.tenantId, hostId: input.hostId }
  const username = deviceUsername(key)
  const password = randomBytes(24).toString('base64url')
  const passwordHash = await hashWith(password, deps.hashScheme ?? DEVICE_HASH_SCHEME)
  const host = await inventory.createHost(input)
  try {
    await inventory.putCredential({ ...key, username, passwordHash })
  } catch (err) {
    await inventory
      .deleteHost(key)
      .catch((undo: unknown) => log.error({ err: undo, ...key }, 'host without credential could not be removed'))
    throw err
  }
  if (deps.brokerAccounts) {
    try {
      await deps.brokerAccounts.putDevice(key, password)
    } catch (err) {
      await inventory
        .deleteCredential(key)
        .catch((undo: unknown) => log.error({ err: undo, ...key }, 'credential could not be removed'))
      await inventory
        .deleteHost(key)
        .catch((undo: unknown) => log.error({ err: undo, ...key }, 'host without broker account could not be removed'))
      throw new ApiError(
        'BROKER_UNAVAILABLE',
        undefined,
        { reason: err instanceof Error ? err.message : String(err) },
        { cause: err },
      )
    }
  }
  try {
    const detail = { username, ...(Object.keys(host.labels).length > 0 ? { labels: { ...host.labels } } : {}) }
    await deps.hosts.refreshHost(key, { audit: [{ ...key, kind: 'host.registered', actor, detail }] })
  } catch (err) {
    log.error({ err, ...key }, 'host registered; audit or status publication failed')
  }
  log.info({ ...key, username, actor }, 'host registered')
  return { host, credential: { username, password } }
}
