import test from 'ava'
import { controlModeText } from '../../../manager/api/control-mode-text.ts'
import { hostView } from '../../../manager/api/views.ts'
import { hostDetails } from '../../../manager/cli/host-views.ts'
import { IN_MEMORY, openSqliteInventory } from '../../../manager/inventory/sqlite/open.ts'
import type { HostPatch } from '../../../manager/inventory/port.ts'
import { seedHost } from '../../helpers/manager-core.ts'

test('controlModeText: the asked mode beside the reported one, a difference said plainly', (t) => {
  t.deepEqual(controlModeText('ACM', 'CCM'), { text: 'asked ACM, AMT reports CCM', differs: true })
  t.deepEqual(controlModeText('CCM', 'ACM'), { text: 'asked CCM, AMT reports ACM', differs: true })
  t.deepEqual(controlModeText('ACM', 'ACM'), { text: 'ACM (AMT reports ACM)', differs: false })
  t.deepEqual(controlModeText('CCM', null), { text: 'asked CCM; AMT has not reported yet', differs: false })
  t.deepEqual(controlModeText('CCM', 'PRE_PROVISIONING'), {
    text: 'asked CCM, AMT reports not activated (pre-provisioning)',
    differs: false,
  })
  t.deepEqual(controlModeText('UNSPECIFIED', 'CCM'), { text: 'asked none, AMT reports CCM', differs: false })
})

test('hosts show: the control mode line says when AMT reports another mode than asked', async (t) => {
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  t.teardown(() => inventory.close())
  const show = async (hostId: string, patch: HostPatch) =>
    hostDetails(hostView(await seedHost(inventory, hostId, [patch])), 0)
  const asked = { desiredState: 'PROVISIONED', controlMode: 'ACM', dnsSuffix: 'corp.example.com' } as const
  t.regex(
    await show('h1', { ...asked, reportedControlMode: 'CCM' }),
    /^control mode: +asked ACM, AMT reports CCM \(differs\)$/m,
  )
  t.regex(await show('h2', { ...asked, reportedControlMode: 'ACM' }), /^control mode: +ACM \(AMT reports ACM\)$/m)
})
