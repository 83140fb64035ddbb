import type { Logger } from '../../../lib/log.ts'
import type { HostKey } from '../../inventory/port.ts'

/** Why a deleting host's records are removed: AMT reported off, deactivated, or forced by the operator. */
export type RemovalReason = 'amt-off' | 'deactivated' | 'forced'

/**
 * What else holds records of a host, besides Inventory, when its deletion completes (deletion.ts):
 * - `removeRecords`, BEFORE the Inventory record goes: its AMT password in the secret store (Vault), its per-host
 *   RPS profiles, its MPS device and, on an external Mosquitto with dynamic security, its broker account (which
 *   also disconnects the device). Idempotent (a repeat after a partial failure finishes the job). A failure
 *   keeps the host "pending deletion" with the reason in its status, so nothing is left behind unseen.
 * - `disconnect`, AFTER the record (and with it the device's broker credential) is gone: the device's live
 *   connection to the embedded broker is closed and its last will dropped, so nothing re-creates the retained
 *   topics the manager then clears.
 */
export interface HostRemoval {
  /** False when nothing outside Inventory holds host records: the removal is one step in the write queue. */
  readonly external: boolean
  /** Resolves with what changed; rejects with an Error whose message is the reason (never a secret). */
  removeRecords(key: HostKey, options: { keepSecrets: boolean }): Promise<string[]>
  /** Never rejects (a failure is logged). */
  disconnect(key: HostKey): Promise<void>
}

/** Nothing but Inventory (the core's default; tests). */
export const INVENTORY_ONLY: HostRemoval = {
  external: false,
  removeRecords: () => Promise.resolve([]),
  disconnect: () => Promise.resolve(),
}

export interface HostRemovalDeps {
  /** The secret store (its host secrets are deleted unless kept). */
  secrets?: { deleteHostSecrets(key: HostKey): Promise<void> }
  /** RPS/MPS (per-host profiles, MPS device); absent when not configured. */
  dmt?: { removeHost(key: HostKey): Promise<void> }
  /** The device accounts of an external broker (Mosquitto dynamic security); absent: none kept by the manager. */
  brokerAccounts?: { removeDevice(key: HostKey): Promise<void> }
  /** The embedded broker; absent with an external broker. */
  broker?: { disconnectDevice(key: HostKey): Promise<number> }
  log: Logger
}

export function createHostRemoval({
  secrets,
  dmt,
  brokerAccounts,
  broker,
  log: parentLog,
}: HostRemovalDeps): HostRemoval {
  const log = parentLog.child({ module: 'host-removal' })
  const steps: Array<{ name: string; run: (key: HostKey, keepSecrets: boolean) => Promise<string | null> }> = []
  if (secrets) {
    steps.push({
      name: 'secret store',
      run: async (key, keepSecrets) => {
        if (keepSecrets) return 'kept host secrets'
        await secrets.deleteHostSecrets(key)
        return 'removed host secrets'
      },
    })
  }
  if (dmt) {
    steps.push({
      name: 'RPS/MPS',
      run: async (key) => {
        await dmt.removeHost(key)
        return 'removed RPS profiles and MPS device'
      },
    })
  }
  if (brokerAccounts) {
    steps.push({
      name: 'broker account',
      run: async (key) => {
        await brokerAccounts.removeDevice(key)
        return 'removed broker account'
      },
    })
  }
  return {
    external: steps.length > 0,
    async removeRecords(key, { keepSecrets }) {
      const host = { tenantId: key.tenantId, hostId: key.hostId }
      const changes: string[] = []
      const failures: string[] = []
      // Every step runs even when an earlier one failed: a retry then has less left to do.
      for (const step of steps) {
        try {
          const change = await step.run(key, keepSecrets)
          if (change !== null) changes.push(change)
        } catch (err) {
          failures.push(`${step.name}: ${err instanceof Error ? err.message : String(err)}`)
        }
      }
      if (failures.length > 0) {
        log.warn({ ...host, changes, failures }, 'host records could not all be removed')
        throw new Error(failures.join('; '))
      }
      return changes
    },
    async disconnect(key) {
      if (!broker) return
      const host = { tenantId: key.tenantId, hostId: key.hostId }
      try {
        const closed = await broker.disconnectDevice(host)
        if (closed > 0) log.info({ ...host, connections: closed }, 'device disconnected from the embedded broker')
      } catch (err) {
        log.error({ err, ...host }, 'device connection could not be closed')
      }
    },
  }
}
