import test from 'ava'
import type { HostPatch } from '../../../manager/inventory/port.ts'
import { capable } from '../../helpers/manager-core.ts'
import { runCli } from './run-cli.ts'
import { startApi } from '../api/api-harness.ts'

const REPORT = {
  v: 1,
  ts: '2026-01-01T00:00:00.000Z',
  hostId: 'x',
  bootId: '00000000-0000-4000-8000-000000000000',
  seq: 1,
} as const
const AMT: HostPatch = { sku: 'AMT', capability: { ...REPORT, ...capable('AMT') }, labels: { site: 'berlin' } }

test('groups apply and rollouts create --group print the rollouts created and the hosts skipped', async (t) => {
  const api = await startApi(t)
  await api.inventory.createTenant({ tenantId: 'acme' })
  await api.inventory.createHosts(['n1', 'n2', 'n3'].map((hostId) => ({ tenantId: 'acme', hostId })))
  for (const hostId of ['n1', 'n2']) await api.inventory.updateHost({ tenantId: 'acme', hostId }, AMT)
  const selector = { labels: { site: 'berlin' } }
  await api.inventory.putGroup({ tenantId: 'acme', name: 'berlin', selector, priority: 1, policy: { amt: 'ccm' } })
  const token = await api.token('operator', 'acme', 'cli')
  const cli = (args: string[]) => runCli({ AMT_MANAGER_URL: api.url, AMT_MANAGER_TOKEN: token }, args)
  const controls = ['--max-concurrent', '2', '--rate', '30']

  const applied = await cli(['groups', 'apply', 'acme', 'berlin', ...controls])
  t.is(applied.code, 0, applied.stderr)
  t.regex(applied.stdout, /^created rollout [0-9a-f-]{36}: 2 hosts, PROVISIONED CCM, running\n$/)
  const id = /rollout ([0-9a-f-]{36})/.exec(applied.stdout)?.[1]

  const again = await cli(['rollouts', 'create', 'acme', '--group', 'berlin', ...controls])
  t.is(again.code, 0, again.stderr)
  t.is(again.stdout, `skipped n1: in rollout ${id}\nskipped n2: in rollout ${id}\n`)

  const busy = await cli(['rollouts', 'create', 'acme', 'n2', 'n3', '--deactivate', ...controls])
  t.is(busy.code, 1)
  t.regex(
    busy.stderr,
    new RegExp(`ROLLOUT_HOSTS_BUSY: 1 hosts are members of a rollout under way, e\\.g\\. n2 in ${id}`),
  )

  const none = await cli(['groups', 'apply', 'acme', 'nope', ...controls])
  t.regex(none.stderr, /GROUP_NOT_FOUND/)
})
