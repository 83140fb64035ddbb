import test from 'ava'
import { startApi } from '../api/api-harness.ts'
import { runCli } from './run-cli.ts'

/** `hosts list` with the query flags, against the real API. */
async function fleet(t: Parameters<typeof startApi>[0]) {
  const api = await startApi(t)
  await api.inventory.createTenant({ tenantId: 'acme' })
  await api.inventory.createHosts(
    ['pc-1', 'pc-2', 'pc-3', 'srv-1'].map((hostId) => ({ tenantId: 'acme', hostId, name: hostId.toUpperCase() })),
  )
  const failed = { desiredState: 'PROVISIONED', statusIndicator: 'ERROR', status: 'AMT Activation Failed' } as const
  await api.inventory.updateHost({ tenantId: 'acme', hostId: 'pc-1' }, { ...failed, online: true, sku: 'AMT' })
  await api.inventory.updateHost({ tenantId: 'acme', hostId: 'pc-3' }, { ...failed, sku: 'AMT' })
  await api.inventory.updateHost({ tenantId: 'acme', hostId: 'srv-1' }, { ...failed, sku: 'ISM' })
  const token = await api.token('viewer', 'acme')
  const list = async (...args: string[]) => {
    const run = await runCli({ AMT_MANAGER_URL: api.url, AMT_MANAGER_TOKEN: token }, ['hosts', 'list', ...args])
    return run
  }
  return { list }
}

const idsOf = (stdout: string) => (JSON.parse(stdout) as { hosts: { hostId: string }[] }).hosts.map((h) => h.hostId)

test('hosts list narrows by condition, capability, presence and search, in the sort asked for', async (t) => {
  const { list } = await fleet(t)
  const run = await list('--tenant', 'acme', '--condition', 'FAILED', '--sort', '-hostId', '--json')
  t.is(run.code, 0, run.stderr)
  t.deepEqual(idsOf(run.stdout), ['srv-1', 'pc-3', 'pc-1'])
  t.is((JSON.parse(run.stdout) as { total: number }).total, 3)
  t.deepEqual(idsOf((await list('--tenant', 'acme', '--capability', 'AMT', '--offline', '--json')).stdout), ['pc-3'])
  t.deepEqual(idsOf((await list('--tenant', 'acme', '--online', '--json')).stdout), ['pc-1'])
  t.deepEqual(idsOf((await list('--tenant', 'acme', '--search', 'PC-', '--sort', 'name', '--json')).stdout), [
    'pc-1',
    'pc-2',
    'pc-3',
  ])
  t.deepEqual(idsOf((await list('--tenant', 'acme', '--sku', 'ISM', '--limit', '1', '--json')).stdout), ['srv-1'])
})

test('hosts list --online with --offline is a usage error', async (t) => {
  const { list } = await fleet(t)
  const run = await list('--online', '--offline')
  t.is(run.code, 2)
  t.regex(run.stderr, /--online or --offline/)
})
