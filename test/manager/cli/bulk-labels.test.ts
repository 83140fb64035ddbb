import test from 'ava'
import { runCli } from './run-cli.ts'
import { seed, startApi } from '../api/api-harness.ts'

/** acme: n1, n2 at site berlin (n2 also rack 7), n3 at paris, n4 unlabelled. */
async function fleet(t: Parameters<typeof startApi>[0]) {
  const api = await startApi(t)
  await seed(api.inventory, { acme: ['n1', 'n2', 'n3', 'n4'] })
  const labels: [string, Record<string, string>][] = [
    ['n1', { site: 'berlin' }],
    ['n2', { site: 'berlin', rack: '7' }],
    ['n3', { site: 'paris' }],
  ]
  for (const [hostId, set] of labels) await api.inventory.updateHost({ tenantId: 'acme', hostId }, { labels: set })
  const token = await api.token('operator', 'acme', 'cli')
  const cli = (args: string[]) => runCli({ AMT_MANAGER_URL: api.url, AMT_MANAGER_TOKEN: token }, args)
  const desired = async () =>
    (await api.inventory.listHosts({ tenantId: 'acme' })).hosts.map((host) => `${host.hostId}:${host.desiredState}`)
  return { api, cli, desired }
}

test('hosts activate|deactivate --label: every host of the tenant with the labels; a bad one named; ids and --label refused', async (t) => {
  const { cli, desired } = await fleet(t)
  const activated = await cli(['hosts', 'activate', 'acme', '--label', 'site=berlin', '--json'])
  t.is(activated.code, 0, activated.stderr)
  t.deepEqual(
    (JSON.parse(activated.stdout) as { hosts: { hostId: string }[] }).hosts.map((host) => host.hostId),
    ['n1', 'n2'],
  )
  const deactivated = await cli(['hosts', 'deactivate', 'acme', '--label', 'site', '--label', 'rack=7'])
  t.is(deactivated.code, 0, deactivated.stderr)
  t.regex(deactivated.stdout, /^desired UNPROVISIONED set on 1 host\(s\) of acme\n/)
  t.deepEqual(await desired(), ['n1:PROVISIONED', 'n2:UNPROVISIONED', 'n3:UNSPECIFIED', 'n4:UNSPECIFIED'])

  const bad = await cli(['hosts', 'activate', 'acme', '--label', 'a b'])
  t.is(bad.code, 1)
  t.regex(bad.stderr, /label key "a b"/)
  const both = await cli(['hosts', 'activate', 'acme', 'n4', '--label', 'site'])
  t.deepEqual([both.code, both.stderr], [2, 'error: name hosts, or pass --all or --label (not both)\n'])
  const none = await cli(['hosts', 'activate', 'acme'])
  t.is(none.code, 2)
  t.deepEqual(await desired(), ['n1:PROVISIONED', 'n2:UNPROVISIONED', 'n3:UNSPECIFIED', 'n4:UNSPECIFIED'])
})

test('rollouts create --label: the labelled hosts are the members', async (t) => {
  const { api, cli } = await fleet(t)
  const args = ['rollouts', 'create', 'acme', '--activate', '--label', 'site=berlin', '--max-concurrent', '1']
  const created = await cli([...args, '--rate', '10', '--json'])
  t.is(created.code, 0, created.stderr)
  const rollout = JSON.parse(created.stdout) as { rolloutId: string; target: unknown; progress: { targeted: number } }
  t.deepEqual(rollout.target, { filter: { label: ['site=berlin'] } })
  t.is(rollout.progress.targeted, 2)
  const members = await api.request('GET', `/api/v1/tenants/acme/rollouts/${rollout.rolloutId}/hosts`, {
    token: await api.token('viewer', 'acme'),
  })
  t.deepEqual(
    (members.json.hosts as { hostId: string }[]).map((member) => member.hostId),
    ['n1', 'n2'],
  )
})
