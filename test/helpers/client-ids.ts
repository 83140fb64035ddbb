import { randomBytes } from 'node:crypto'
import { agentClientId, parseDeviceUsername, type HostIdentity } from '../../schemas/principals.ts'

/**
 * Client ids the broker lets a test principal use (broker/auth/client-id-policy.ts): a device connects as its
 * agent (`amt-agent:<tenant>:<host>:<suffix>`), anyone else within its username (`<username>:<suffix>`). The
 * suffix is fresh per call, so two clients of one principal never take each other's session over; a test that
 * wants a takeover passes a fixed id itself.
 *
 * Test devices' usernames do not name their host (`device-h1-3`): the test broker records them here.
 */
const testDevices = new Map<string, HostIdentity>()

export function rememberTestDevice(username: string, identity: HostIdentity): void {
  testDevices.set(username, identity)
}

/** A fresh allowed client id for this username; a server-assigned one (empty) without a username. */
export function testClientId(username: string | undefined, purpose = 'test'): string {
  if (username === undefined || username === '') return ''
  const suffix = `${purpose}-${randomBytes(6).toString('hex')}`
  const device = testDevices.get(username) ?? parseDeviceUsername(username)
  return device === null ? `${username}:${suffix}` : agentClientId(device, suffix)
}
