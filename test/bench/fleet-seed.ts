/**
 * The fleet the fleet benchmarks seed: its devices with their credentials, written straight into an Inventory
 * (SQLite or PostgreSQL), and the embedded broker's and the API's limits such a fleet needs on loopback.
 */
import { randomBytes } from 'node:crypto'
import type { HostCredentials } from '../../agent/simulate/index.ts'
import { hashWith, type HashScheme } from '../../broker/auth/password-hash.ts'
import type { Inventory } from '../../manager/inventory/port.ts'
import { deviceUsername } from '../../schemas/principals.ts'

const SEED_BATCH = 1000

/**
 * `--device-hash` of the fleet benchmarks: `digest` (the keyed digest the manager makes since issue 19) or
 * `scrypt:<log2 N>` (hashes stored before it: the broker upgrades each to the digest at its first login).
 */
export function parseDeviceHash(text: string): HashScheme {
  if (text === 'digest') return { scheme: 'hmac-sha256' }
  const match = /^scrypt:(\d{2})$/.exec(text)
  if (match === null) throw new Error(`--device-hash: "digest" or "scrypt:<log2 N>", not "${text}"`)
  return { scheme: 'scrypt', params: { logN: Number(match[1]), r: 8, p: 1 } }
}

export const describeHash = (scheme: HashScheme): string =>
  scheme.scheme === 'scrypt' ? `scrypt 2^${scheme.params.logN}` : 'HMAC-SHA-256 digest'

/**
 * `hosts` devices of the tenant, in hostId order, sharing one random password; 4 of 5 are AMT, 1 of 5 ISM; each with
 * its own AMT UUID.
 */
export function benchDevices(hosts: number, tenantId: string): HostCredentials[] {
  const password = randomBytes(24).toString('base64url')
  const width = String(hosts).length
  return Array.from({ length: hosts }, (_, index) => {
    const hostId = `node-${String(index + 1).padStart(width, '0')}`
    const key = { tenantId, hostId }
    // The AMT UUID from the fleet-wide index: unique also when the fleet is split over several createFleet.
    const amtUuid = `5a5a0000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`
    return { ...key, username: deviceUsername(key), password, kind: index % 5 === 4 ? 'ism' : 'amt', amtUuid }
  })
}

/**
 * The tenant and its hosts with their device credentials, written straight into an Inventory, as N registrations
 * through the API would (the devices' one shared password, hashed once: each CONNECT still pays one verification).
 */
export async function seedInventory(
  inventory: Inventory,
  devices: readonly HostCredentials[],
  hashScheme: HashScheme,
): Promise<void> {
  const [first] = devices
  if (first === undefined) return
  await inventory.createTenant({ tenantId: first.tenantId })
  const passwordHash = await hashWith(first.password, hashScheme)
  for (let i = 0; i < devices.length; i += SEED_BATCH) {
    const batch = devices.slice(i, i + SEED_BATCH)
    await inventory.createHosts(batch.map(({ tenantId, hostId }) => ({ tenantId, hostId })))
    for (const { tenantId, hostId, username } of batch)
      await inventory.putCredential({ tenantId, hostId, username, passwordHash })
  }
}

/** The embedded broker's limits for a fleet of `hosts` devices on loopback. */
export const embeddedLimits = (hosts: number) => ({
  // Loopback: every device comes from 127.0.0.1, so the per-address rate limit would refuse the fleet.
  connectRateLimit: { burst: 1_000_000, perSecond: 1_000_000 },
  // Likewise the cap of sockets per address before CONNECT (500): a storm of the fleet would hit it, a real fleet
  // comes from many addresses.
  maxUnauthenticatedPerAddress: 1_000_000,
  // The default (10 000) counts the manager's own connection too.
  maxConnections: hosts + 100,
})

/**
 * The API's limits for such a fleet on a busy machine: a bulk call over 10 000 hosts outlasts the socket idle timeout
 * (30 s; 45.7 s measured on PostgreSQL: the connection was closed, the write completed), and an idle keep-alive
 * socket closed by the server just as the client reused it failed a listing: the client closes first (undici: 4 s).
 */
export const API_LIMITS = { requestTimeoutMs: 600_000, idleTimeoutMs: 600_000, keepAliveTimeoutMs: 600_000 }
