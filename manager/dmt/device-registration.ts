import type { Logger } from '../../lib/log.ts'
import { isPlaceholderId } from '../../schemas/placeholder-ids.ts'
import type { Capability } from '../../schemas/messages/capability.ts'
import type { Host, HostKey } from '../inventory/port.ts'
import { DEFAULT_DMT_CONCURRENCY } from './config.ts'
import { mapLimit } from './ensure-object.ts'
import { DmtError } from './errors.ts'
import { OTHER_TENANT, type MpsDevice, type MpsPort } from './ports.ts'

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** What MPS knows a host's device by: its key and, once the agent reported it, the AMT UUID of its capability. */
export type DeviceIdentity = HostKey & { capability?: Pick<Capability, 'amtUuid'> | null }

/**
 * The AMT GUID MPS knows a device by, lower case as MPS reports GUIDs. The device's CIRA connection comes in with
 * AMT's own UUID, so the one amtinfo reports (`capability.amtUuid`) is used when the agent reported one (a UUID, not
 * a firmware placeholder); else the host id, which is the SMBIOS system UUID AMT's GUID normally equals (the
 * agent's identity; docs/dmt.md). A mismatch between both is shown in the host view. Neither a UUID:
 * DMT_INVALID.
 */
export function amtGuidOf({ tenantId, hostId, capability }: DeviceIdentity): string {
  const amtUuid = capability?.amtUuid
  if (amtUuid !== undefined && UUID.test(amtUuid) && !isPlaceholderId(amtUuid)) return amtUuid.toLowerCase()
  if (!UUID.test(hostId)) {
    throw new DmtError(
      'DMT_INVALID',
      `host ${tenantId}/${hostId}: the host id is not a UUID and the agent reported no AMT UUID, ` +
        'so MPS cannot know the device (MPS identifies devices by their AMT GUID)',
    )
  }
  return hostId.toLowerCase()
}

/** What registering one host found: MPS knew the device, registered it now, or holds it under another MPS tenant. */
export type RegistrationOutcome = 'present' | 'registered' | typeof OTHER_TENANT

/** Why a device MPS holds under another MPS tenant cannot be registered for this one. */
export const otherTenant = ({ tenantId, hostId }: HostKey, guid: string): DmtError =>
  new DmtError(
    'DMT_INVALID',
    `host ${tenantId}/${hostId}: MPS holds device ${guid} under another MPS tenant, so it cannot be registered for this one (remove it there, or check the host id)`,
  )

/** Our tags on an MPS device: which tenant and host it belongs to. */
const deviceTagsOf = ({ tenantId, hostId }: HostKey): string[] => [`tenant:${tenantId}`, `host:${hostId}`]

export interface DeviceRegistrationDeps {
  mps: MpsPort
  /** The CIRA username the device presents (the CIRA config's `username`). */
  mpsUsername: string
  log: Logger
  /** Parallel MPS requests; default DEFAULT_DMT_CONCURRENCY (config `dmt.concurrency`). */
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
    const concurrency = this.#deps.concurrency ?? DEFAULT_DMT_CONCURRENCY
    const changes = await mapLimit(devices, concurrency, async ({ host, guid }) => {
      const outcome = await this.ensureDevice(host, guid)
      if (outcome === OTHER_TENANT) throw otherTenant(host, guid)
      return outcome === 'registered' ? `registered device ${guid}` : null
    })
    return changes.filter((change): change is string => change !== null)
  }

  /** One host: GET, and POST when MPS does not know the device (the recovery sweep counts the outcomes). */
  async ensureDevice(host: Host, guid = amtGuidOf(host)): Promise<RegistrationOutcome> {
    const known = await this.#deps.mps.getDevice(guid)
    if (known === OTHER_TENANT) return OTHER_TENANT
    if (known !== null) return 'present'
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
    return 'registered'
  }

  /**
   * Removes the device and MPS's copies of its passwords (false when MPS did not know it, or the host has no AMT
   * GUID). The manager's secret store holds the passwords; MPS's are stale secrets at rest once the host is gone. A
   * device MPS holds under another MPS tenant is not ours: neither it nor its secrets are touched. When the GUID is
   * the reported AMT UUID, a device registered under the host id before the agent reported it goes too, if it
   * carries our tags (deviceTagsOf).
   */
  async removeDevice(host: DeviceIdentity): Promise<boolean> {
    let guid: string
    try {
      guid = amtGuidOf(host)
    } catch {
      return false
    }
    const known = await this.#deps.mps.getDevice(guid)
    let removed = false
    if (known === OTHER_TENANT) {
      this.#log.warn(
        { tenantId: host.tenantId, hostId: host.hostId, guid },
        'MPS holds the device under another MPS tenant: left as it is',
      )
    } else {
      await this.#deps.mps.deleteDevice(guid)
      removed = known !== null
    }
    const byHostId = host.hostId.toLowerCase()
    if (byHostId === guid || !UUID.test(byHostId)) return removed
    const earlier = await this.#deps.mps.getDevice(byHostId)
    if (earlier === null || earlier === OTHER_TENANT || !ours(earlier, host)) return removed
    await this.#deps.mps.deleteDevice(byHostId)
    return true
  }
}

const ours = (device: MpsDevice, key: HostKey): boolean => deviceTagsOf(key).every((tag) => device.tags.includes(tag))
