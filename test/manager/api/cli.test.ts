import path from 'node:path'
import test from 'ava'
import { execa } from 'execa'
import { runCli, type CliRun } from '../cli/run-cli.ts'
import { activated, seed, stagingRotator, startApi, type ApiHarness } from './api-harness.ts'

const ROOT = path.resolve(import.meta.dirname, '../../..')

/** `amtctl <args>` against the harness's API. */
const cli = (api: ApiHarness, args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
  runCli({ AMT_MANAGER_URL: api.url, AMT_MANAGER_DATA_DIR: api.dir, ...env }, args)

async function fleet(t: Parameters<typeof startApi>[0]) {
  const api = await startApi(t)
  await seed(api.inventory, { acme: ['node-1', 'node-2'], beta: ['node-9'] })
  await api.inventory.updateHost(
    { tenantId: 'acme', hostId: 'node-2' },
    { status: 'AMT Activation Failed: ...', statusIndicator: 'ERROR', currentState: 'UNPROVISIONED' },
  )
  return { api, token: await api.token('operator', '*', 'cli') }
}

test('hosts list prints a table, and valid JSON with --json', async (t) => {
  const { api, token } = await fleet(t)
  const table = await cli(api, ['hosts', 'list'], { AMT_MANAGER_TOKEN: token })
  t.is(table.code, 0, table.stderr)
  const lines = table.stdout.trimEnd().split('\n')
  t.regex(lines[0] ?? '', /^TENANT\s+HOST\s+SKU\s+DESIRED\s+CURRENT\s+INDICATOR\s+GEN\s+ONLINE\s+POWER\s+STATUS$/)
  t.is(lines.length, 4)
  t.regex(
    lines[2] ?? '',
    /^acme\s+node-2\s+UNSPECIFIED\s+UNSPECIFIED\s+UNPROVISIONED\s+ERROR\s+0\/0\s+no\s+unknown\s+AMT Activation Failed/,
  )
  const columnOfHost = (lines[0] ?? '').indexOf('HOST')
  t.true(
    lines.every((line) => line.charAt(columnOfHost - 1) === ' '),
    'columns aligned',
  )

  const json = await cli(api, ['hosts', 'list', '--tenant', 'acme', '--indicator', 'ERROR', '--json', '--token', token])
  const parsed = JSON.parse(json.stdout) as { hosts: Array<{ hostId: string }>; nextCursor: null }
  t.deepEqual(
    parsed.hosts.map((host) => host.hostId),
    ['node-2'],
  )
  t.is(parsed.nextCursor, null)
})

test('hosts activate --all sets desired on every host of the tenant; show prints fields and events', async (t) => {
  const { api, token } = await fleet(t)
  const activate = await cli(api, ['hosts', 'activate', 'acme', '--all'], { AMT_MANAGER_TOKEN: token })
  t.is(activate.code, 0, activate.stderr)
  t.regex(activate.stdout, /desired PROVISIONED set on 2 host\(s\) of acme/)
  t.is(api.outbound.last({ tenantId: 'acme', hostId: 'node-1' }, 'desired')?.generation, 1)
  t.is((await api.inventory.getHost({ tenantId: 'beta', hostId: 'node-9' })).desiredGeneration, 0)

  const deactivate = await cli(api, ['hosts', 'deactivate', 'acme', 'node-1', '--json'], { AMT_MANAGER_TOKEN: token })
  t.like(JSON.parse(deactivate.stdout), {
    count: 1,
    hosts: [{ hostId: 'node-1', desiredState: 'UNPROVISIONED', desiredGeneration: 2 }],
  })

  const show = await cli(api, ['hosts', 'show', 'acme', 'node-1'], { AMT_MANAGER_TOKEN: token })
  t.regex(show.stdout, /^desired state: +UNPROVISIONED$/m)
  t.regex(show.stdout, /^generation: +observed 0 of desired 2$/m)
  t.regex(show.stdout, /desired\.set\s+api:cli/)
  const showJson = JSON.parse(
    (await cli(api, ['hosts', 'show', 'acme', 'node-1', '--json'], { AMT_MANAGER_TOKEN: token })).stdout,
  ) as { host: { hostId: string }; events: unknown[] }
  t.is(showJson.host.hostId, 'node-1')
  t.is(showJson.events.length, 2)

  const usage = await cli(api, ['hosts', 'activate', 'acme'], { AMT_MANAGER_TOKEN: token })
  t.is(usage.code, 2)
  t.regex(usage.stderr, /name hosts, or pass --all or --label/)
})

test('tokens create writes the shared token store and the printed token works against the running API', async (t) => {
  const { api } = await fleet(t)
  const created = await cli(api, ['tokens', 'create', '--role', 'viewer', '--tenant', 'beta', '--name', 'beta-view'])
  t.is(created.code, 0, created.stderr)
  const token = created.stdout.trim()
  t.regex(token, /^amt_[0-9a-f]{16}_/)
  t.regex(created.stderr, /shown only now/)
  const listed = await cli(api, ['hosts', 'list', '--json'], { AMT_MANAGER_TOKEN: token })
  t.deepEqual(
    (JSON.parse(listed.stdout) as { hosts: Array<{ hostId: string }> }).hosts.map((host) => host.hostId),
    ['node-9'],
  )
  const denied = await cli(api, ['hosts', 'activate', 'beta', 'node-9'], { AMT_MANAGER_TOKEN: token })
  t.is(denied.code, 1)
  t.regex(denied.stderr, /^error: FORBIDDEN: /)
  const tokens = await cli(api, ['tokens', 'list'])
  t.regex(tokens.stdout, /beta-view\s+viewer\s+beta/)
  t.false(tokens.stdout.includes('sha256'))
})

test('the token is trimmed: a trailing newline (a file or Secret) works, only whitespace is no token (exit 2)', async (t) => {
  const { api, token } = await fleet(t)
  const listed = await cli(api, ['hosts', 'list', '--json'], { AMT_MANAGER_TOKEN: `${token}\n` })
  t.is(listed.code, 0, listed.stderr)
  const blank = await cli(api, ['hosts', 'list'], { AMT_MANAGER_TOKEN: ' \n' })
  t.is(blank.code, 2, 'only whitespace is no token')
})

test('API failures print the catalogue code and exit 1; a missing token is a usage error', async (t) => {
  const { api, token } = await fleet(t)
  const missing = await cli(api, ['hosts', 'show', 'acme', 'ghost'], { AMT_MANAGER_TOKEN: token })
  t.deepEqual([missing.code, missing.stderr], [1, 'error: HOST_NOT_FOUND: host not found\n'])
  const bad = await cli(api, ['hosts', 'list'], {
    AMT_MANAGER_TOKEN: 'amt_0000000000000000_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  })
  t.regex(bad.stderr, /^error: UNAUTHENTICATED: /)
  const none = await cli(api, ['hosts', 'list'])
  t.is(none.code, 2)
  t.regex(none.stderr, /AMT_MANAGER_TOKEN/)
})

test('the amtctl entry runs as a process', async (t) => {
  const { api, token } = await fleet(t)
  const { stdout } = await execa(
    'node',
    ['--import', 'tsx', 'manager/cli/main.ts', 'hosts', 'list', '--json', '--tenant', 'acme'],
    {
      cwd: ROOT,
      env: { AMT_MANAGER_URL: api.url, AMT_MANAGER_TOKEN: token },
    },
  )
  t.deepEqual(
    (JSON.parse(stdout) as { hosts: Array<{ hostId: string }> }).hosts.map((host) => host.hostId),
    ['node-1', 'node-2'],
  )
})

test('hosts rotate-password: several hosts (or --all, --label) are a rotation rollout; rollouts show names the action', async (t) => {
  const api = await startApi(t, { rotation: { rotator: stagingRotator } })
  await activated(api.inventory, { r0: { line: 'v3', site: 'berlin' }, r1: { line: 'v3', site: 'paris' } })
  const env = { AMT_MANAGER_TOKEN: await api.token('operator', 'acme', 'cli') }
  const missing = await cli(api, ['hosts', 'rotate-password', 'acme', '--all'], env)
  t.is(missing.code, 2)
  t.regex(missing.stderr, /a rotation of many hosts is a rollout: give --max-concurrent and --rate/)
  const bulk = await cli(
    api,
    ['hosts', 'rotate-password', 'acme', '--label', 'site=berlin', '--max-concurrent', '2', '--rate', '60'],
    env,
  )
  t.is(bulk.code, 0, bulk.stderr)
  const id = /^created rollout (\S+) \(rotate-password\): 1 hosts, running;/.exec(bulk.stdout)?.[1]
  t.truthy(id, bulk.stdout)
  const show = await cli(api, ['rollouts', 'show', 'acme', id ?? ''], env)
  t.regex(show.stdout, /^action: +rotate-password$/m)
  const list = await cli(api, ['rollouts', 'list', 'acme'], env)
  t.regex(list.stdout, new RegExp(`${id}\\s+running\\s+rotate-password\\s+1\\s`))
  await api.rollouts.tick()
  t.like(await api.inventory.getHost({ tenantId: 'acme', hostId: 'r0' }), { rotation: { state: 'pending' } })

  const one = await cli(api, ['hosts', 'rotate-password', 'acme', 'r1'], env)
  t.regex(one.stdout, /^password rotation \S+ asked for acme\/r1 \(generation \d+\)/, 'one host alone: no rollout')
  const rollouts = JSON.parse((await cli(api, ['rollouts', 'list', 'acme', '--json'], env)).stdout) as unknown[]
  t.is(rollouts.length, 1)
})
