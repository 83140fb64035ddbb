import type { Logger } from '../../lib/log.ts'
import type { Host, HostKey } from '../inventory/port.ts'
import { mapLimit } from './ensure-object.ts'
import { DmtError } from './errors.ts'
import { OTHER_TENANT, type MpsPort } from './ports.ts'

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The AMT GUID MPS knows a device by. AMT's GUID is the platform's SMBIOS system UUID, which is also our host id
 * (the agent's identity; ARCHITECTURE.md), so the host id is used, lower case as MPS reports GUIDs. The agent's
 * capability report does not carry amtinfo's `uuid` yet; once it does, prefer it (it is the firmware's own view).
 * A host id that is not a UUID cannot be an AMT GUID: DMT_INVALID.
 */
export function amtGuidOf({ tenantId, hostId }: HostKey): string {
  if (!UUID.test(hostId)) throw new DmtError('DMT_INVALID', `host ${tenantId}/${hostId}: the host id is not a UUID, so MPS cannot know the device (MPS identifies devices by their AMT GUID)`)
  return hostId.toLowerCase()
}

const otherTenant = ({ tenantId, hostId }: HostKey, guid: string): DmtError =>
  new DmtError(
    'DMT_INVALID',
    `host ${tenantId}/${hostId}: MPS holds device ${guid} under another MPS tenant, so it cannot be registered for this one (remove it there, or check the host id)`,
  )

/** Our tags on an MPS device: which tenant and host it belongs to. */
export const deviceTagsOf = ({ tenantId, hostId }: HostKey): string[] => [`tenant:${tenantId}`, `host:${hostId}`]

export interface DeviceRegistrationDeps {
  mps: MpsPort
  /** The CIRA username the device presents (the CIRA config's `username`). */
  mpsUsername: string
  log: Logger
  /** Parallel MPS requests; default 8. */
  concurrency?: number
}

/**
 * MPS accepts a CIRA connection only from a device it knows (part of the two-way authentication between MPS and
 * AMT), so every host is registered before its activation is requested. GET first: a known device is left as it
 * is (RPS updates the record itself while it configures CIRA); an unknown one is created; one MPS holds under
 * another MPS tenant (204) fails the preparation with DMT_INVALID.
 */
export class DeviceRegistration {
  readonly #deps: DeviceRegistrationDeps
  readonly #log: Logger

  constructor(deps: DeviceRegistrationDeps) {
    this.#deps = deps
    this.#log = deps.log.child({ module: 'dmt-devices' })
  }

  /** Registers the hosts MPS does not know yet; returns what changed. */
  async ensureDevices(hosts: readonly Host[]): Promise<string[]> {
    // Every GUID is checked before anything is sent.
    const devices = hosts.map((host) => ({ host, guid: amtGuidOf(host) }))
    const changes = await mapLimit(devices, this.#deps.concurrency ?? 8, async ({ host, guid }) => {
      const known = await this.#deps.mps.getDevice(guid)
      if (known === OTHER_TENANT) throw otherTenant(host, guid)
      if (known !== null) return null
      await this.#deps.mps.registerDevice({
        guid,
        hostname: host.name,
        friendlyName: host.name,
        tags: deviceTagsOf(host),
        mpsusername: this.#deps.mpsUsername,
        tenantId: '',
        dnsSuffix: host.dnsSuffix,
      })
      this.#log.info({ tenantId: host.tenantId, hostId: host.hostId, guid }, 'device registered with MPS')
      return `registered device ${guid}`
    })
    return changes.filter((change): change is string => change !== null)
  }

  /**
   * Removes the device and MPS's copies of its passwords (false when MPS did not know it, or the host id is no AMT
   * GUID). The manager's secret store holds the passwords; MPS's are stale secrets at rest once the host is gone. A
   * device MPS holds under another MPS tenant is not ours: neither it nor its secrets are touched.
   */
  async removeDevice(key: HostKey): Promise<boolean> {
    let guid: string
    try {
      guid = amtGuidOf(key)
    } catch {
      return false
    }
    const known = await this.#deps.mps.getDevice(guid)
    if (known === OTHER_TENANT) {
      this.#log.warn({ tenantId: key.tenantId, hostId: key.hostId, guid }, 'MPS holds the device under another MPS tenant: left as it is')
      return false
    }
    await this.#deps.mps.deleteDevice(guid)
    return known !== null
  }
}
