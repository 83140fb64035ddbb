import type { Logger } from '../../lib/log.ts'
import type { Host, Inventory } from '../inventory/port.ts'
import { amtGuidOf, otherTenant, type DeviceRegistration } from './device-registration.ts'
import { DmtError } from './errors.ts'
import { createHostSweep, type HostSweep, type SweepOptions } from './host-sweep.ts'
import { OTHER_TENANT } from './ports.ts'

/**
 * The MPS registration sweep (recovery, seed flow 3): hosts whose AMT is PROVISIONED but whose device MPS does not
 * know — activated before MPS was configured, or whose registration failed or was lost (an MPS database restored
 * from an older backup) — are registered by this round, not by re-activating them. Per host the same step as a
 * preparation (DeviceRegistration.ensureDevice: GET, POST only when unknown), so a second round writes nothing.
 * The first round runs at start, then every `intervalSeconds` (host-sweep.ts). A host being deleted is left alone; one
 * without an AMT GUID (no UUID) is skipped; a failure is counted with its reason and retried the next round. Once
 * MPS is unavailable the rest of the round is deferred (not asked) to the next one.
 */

export interface RegistrationSweepResult {
  registered: number
  /** MPS knew the device already. */
  present: number
  /** MPS holds the device under another MPS tenant (left as it is). */
  otherTenant: number
  /** No AMT GUID: the host id is not a UUID and the agent reported no AMT UUID. */
  skipped: number
  failed: number
  /** Not asked this round: MPS was unavailable. */
  deferred: number
  /** MPS answered MPS_UNAVAILABLE this round (the hosts after it were deferred). */
  mpsUnavailable: boolean
  /** The first few failures, with their reasons (never a secret). */
  failures: Array<{ tenantId: string; hostId: string; reason: string }>
}

export type RegistrationSweep = HostSweep<RegistrationSweepResult>

export interface RegistrationSweepDeps {
  registration: Pick<DeviceRegistration, 'ensureDevice'>
  inventory: Pick<Inventory, 'listHosts'>
  options: SweepOptions
  log: Logger
  onSweep?: (result: RegistrationSweepResult) => void
}

const FAILURES_SHOWN = 5

const NOTHING_YET = { registered: 0, present: 0, otherTenant: 0, skipped: 0, failed: 0, deferred: 0 } as const

export function createRegistrationSweep(deps: RegistrationSweepDeps): RegistrationSweep {
  const { registration, inventory, options, onSweep } = deps
  const log = deps.log.child({ module: 'dmt-registration-sweep' })

  /** Keeps the first few reasons for the round's log line. */
  const note = ({ failures }: RegistrationSweepResult, { tenantId, hostId }: Host, reason: string): void => {
    if (failures.length < FAILURES_SHOWN) failures.push({ tenantId, hostId, reason })
  }

  const visit = async (host: Host, result: RegistrationSweepResult): Promise<void> => {
    if (host.deletion === 'pending') return
    if (result.mpsUnavailable) {
      result.deferred += 1
      return
    }
    let guid: string
    try {
      guid = amtGuidOf(host)
    } catch {
      result.skipped += 1
      return
    }
    try {
      const outcome = await registration.ensureDevice(host, guid)
      if (outcome === OTHER_TENANT) {
        result.otherTenant += 1
        note(result, host, otherTenant(host, guid).message)
      } else result[outcome] += 1
    } catch (err) {
      if (err instanceof DmtError && err.code === 'MPS_UNAVAILABLE') result.mpsUnavailable = true
      result.failed += 1
      note(result, host, err instanceof Error ? err.message : String(err))
    }
  }

  const end = (result: RegistrationSweepResult): void => {
    const { failures, ...counts } = result
    if (result.failed > 0 || result.otherTenant > 0) {
      log.warn(
        { ...counts, failures },
        'MPS registration sweep: some hosts are not registered with MPS (retried next round)',
      )
    } else if (result.registered > 0) {
      log.info({ ...counts }, 'MPS registration sweep: registered devices MPS did not know')
    } else log.debug({ ...counts }, 'MPS registration sweep done')
  }

  return createHostSweep({
    name: 'MPS registration sweep',
    inventory,
    options,
    log,
    immediate: true,
    begin: () => ({ ...NOTHING_YET, mpsUnavailable: false, failures: [] }),
    visit,
    end,
    ...(onSweep ? { onSweep } : {}),
  })
}
