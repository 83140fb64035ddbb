import type { ManagerConfig } from '../config/config.ts'
import { amtGuidOf } from '../dmt/device-registration.ts'
import type { HostKey, Inventory } from '../inventory/port.ts'
import { noMpsPasswordCopy, type MpsPasswordCopy } from '../ports/provisioning.ts'
import type { SecretStore } from '../secrets/port.ts'

/** RPS's key of the AMT password in its device secret (RPS's Vault layout, which MPS reads). */
const RPS_AMT_PASSWORD_KEY = 'AMT_PASSWORD'

/**
 * MPS's copy of a rotated password (config rotation.mpsPasswordCopy; docs/credentials.md "Rotation"): `vault` writes
 * the new password into RPS's device secret `<rpsVault.mount>/<rpsVault.devicesPath>/<AMT GUID>` (key AMT_PASSWORD,
 * the other keys kept, check-and-set) through the manager's Vault; `none` copies nothing. Without the setting: no
 * MPS configured (no dmt) → nothing to copy; an MPS configured → `unconfigured` (rotation refused).
 * A deliberate, opt-in exception to docs/dmt.md option B (no writes into RPS's Vault layout).
 */
export function createMpsPasswordCopy(
  config: Pick<ManagerConfig, 'rotation' | 'dmt'>,
  deps: { store: SecretStore; inventory: Pick<Inventory, 'getHost'> },
): MpsPasswordCopy {
  const { mpsPasswordCopy, rpsVault } = config.rotation
  if (mpsPasswordCopy === 'none') return noMpsPasswordCopy
  if (mpsPasswordCopy === undefined)
    return config.dmt === null ? noMpsPasswordCopy : { ...noMpsPasswordCopy, mode: 'unconfigured' }
  const { store, inventory } = deps
  if (store.setForeignSecretKey === undefined)
    throw new Error('rotation.mpsPasswordCopy vault needs secrets.kind vault')
  return {
    mode: 'vault',
    async copy(key: HostKey, newVersion: number) {
      const host = await inventory.getHost(key)
      const version = (await store.getAmtPasswordHistory(key)).find((entry) => entry.version === newVersion)
      if (version === undefined) throw new Error(`host password version ${newVersion} is no longer stored`)
      const path = `${rpsVault.devicesPath}/${amtGuidOf(host)}`
      const location = { mount: rpsVault.mount, path }
      const outcome = await store.setForeignSecretKey?.(location, RPS_AMT_PASSWORD_KEY, version.secret.password)
      return outcome ?? 'absent'
    },
  }
}
