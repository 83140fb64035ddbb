import test from 'ava'
import { seed, startApi } from '../api/api-harness.ts'
import { runCli, type CliRun } from './run-cli.ts'
import { capable } from '../../helpers/manager-core.ts'

async function setUp(t: Parameters<typeof startApi>[0]) {
  const api = await startApi(t)
  await seed(api.inventory, { acme: ['node-1', 'node-2', 'node-3'] })
  const capability = {
    v: 1,
    ts: new Date().toISOString(),
    hostId: 'x',
    bootId: 'b',
    seq: 0,
    ...capable('AMT'),
  } as const
  for (const hostId of ['node-1', 'node-2'])
    await api.inventory.updateHost({ tenantId: 'acme', hostId }, { sku: 'AMT', capability })
  const token = await api.token('operator', 'acme', 'cli')
  const cli = (args: string[]): Promise<CliRun> => runCli({ AMT_MANAGER_URL: api.url, AMT_MANAGER_TOKEN: token }, args)
  return { api, cli }
}

const ok = (t: Parameters<typeof startApi>[0], run: CliRun): string => {
  t.is(run.code, 0, run.stderr)
  return run.stdout
}

test('hosts label sets and removes labels; hosts list --label filters; hosts show prints labels and policy', async (t) => {
  const { api, cli } = await setUp(t)
  t.regex(
    ok(t, await cli(['hosts', 'label', 'acme', 'node-1', 'site=berlin', 'model=nuc'])),
    /labels of acme\/node-1: model=nuc, site=berlin/,
  )
  t.regex(ok(t, await cli(['hosts', 'label', 'acme', 'node-1', 'model-', 'rack=7'])), /rack=7, site=berlin$/m)
  ok(t, await cli(['hosts', 'label', 'acme', 'node-2', 'site=paris']))
  const usage = await cli(['hosts', 'label', 'acme', 'node-1', 'Bad Key=x'])
  t.is(usage.code, 2)
  t.regex(usage.stderr, /label key "Bad Key": the name must be/)
  const listed = async (...labels: string[]) => {
    const out = ok(
      t,
      await cli(['hosts', 'list', '--tenant', 'acme', ...labels.flatMap((l) => ['--label', l]), '--json']),
    )
    return (JSON.parse(out) as { hosts: { hostId: string }[] }).hosts.map((host) => host.hostId)
  }
  t.deepEqual(await listed('site=berlin'), ['node-1'])
  t.deepEqual(await listed('site'), ['node-1', 'node-2'])
  t.deepEqual(await listed('site', 'rack=7'), ['node-1'])
  const show = ok(t, await cli(['hosts', 'show', 'acme', 'node-1']))
  t.regex(show, /^labels:\s+rack=7, site=berlin$/m)
  t.regex(show, /^policy:\s+none from none: nothing to apply — NOT_MANAGED: no group holds the host/m)
  const json = JSON.parse(ok(t, await cli(['hosts', 'show', 'acme', 'node-1', '--json']))) as {
    host: { labels: object }
    policy: { source: string }
  }
  t.deepEqual(json.host.labels, { rack: '7', site: 'berlin' })
  t.is(json.policy.source, 'none')
  t.deepEqual((await api.inventory.getHost({ tenantId: 'acme', hostId: 'node-1' })).labels, {
    rack: '7',
    site: 'berlin',
  })
})

test('groups set|list|show|delete, the drift in show, and the per-host override (hosts policy)', async (t) => {
  const { api, cli } = await setUp(t)
  ok(t, await cli(['hosts', 'label', 'acme', 'node-1', 'site=berlin']))
  ok(t, await cli(['hosts', 'label', 'acme', 'node-2', 'site=berlin']))
  t.regex(
    ok(
      t,
      await cli(['groups', 'set', 'acme', 'berlin', '--policy', 'ccm', '--label', 'site=berlin', '--priority', '5']),
    ),
    /group acme\/berlin stored \(version 1\)/,
  )
  ok(
    t,
    await cli([
      'groups',
      'set',
      'acme',
      'acm-16',
      '--policy',
      'acm',
      '--acm-fallback',
      'ccm',
      '--amt-version-prefix',
      '16.',
    ]),
  )
  const list = ok(t, await cli(['groups', 'list', 'acme']))
  t.regex(list, /^GROUP\s+PRIORITY\s+POLICY\s+SELECTOR\s+VERSION$/m)
  t.regex(list, /^berlin\s+5\s+ccm\s+site=berlin\s+1$/m)
  t.regex(list, /^acm-16\s+100\s+acm \(fallback ccm\)\s+amtVersionPrefix=16\.\s+1$/m)
  const show = ok(t, await cli(['groups', 'show', 'acme', 'berlin']))
  t.regex(show, /^drift:\s+2 host\(s\) whose desired differs from the policy/m)
  t.regex(show, /^node-1\s+UNSPECIFIED\s+PROVISIONED CCM$/m)
  t.is(api.outbound.payloads({ tenantId: 'acme', hostId: 'node-1' }, 'desired').length, 0)
  const bad = await cli(['groups', 'set', 'acme', 'g', '--policy', 'ccm', '--acm-fallback', 'ccm'])
  t.is(bad.code, 2)
  t.regex(bad.stderr, /--acm-fallback goes with acm only/)

  t.regex(
    ok(t, await cli(['hosts', 'policy', 'acme', 'node-1', 'deactivate'])),
    /override set: acme\/node-1 follows override/,
  )
  t.regex(
    ok(t, await cli(['hosts', 'show', 'acme', 'node-1'])),
    /^policy:\s+deactivate from override → UNPROVISIONED$/m,
  )
  t.regex(
    ok(t, await cli(['hosts', 'policy', 'acme', 'node-1', 'clear'])),
    /override cleared: acme\/node-1 follows group:berlin/,
  )
  t.regex(ok(t, await cli(['groups', 'delete', 'acme', 'berlin'])), /deleted group acme\/berlin/)
  const gone = await cli(['groups', 'show', 'acme', 'berlin'])
  t.is(gone.code, 1)
  t.regex(gone.stderr, /GROUP_NOT_FOUND/)
})

test('hosts register --label (repeatable) stores the labels with the host; a bad label is a usage error', async (t) => {
  const { api, cli } = await setUp(t)
  const out = ok(t, await cli(['hosts', 'register', 'acme', 'node-9', '--label', 'site=berlin', '--label', 'rack=7']))
  t.regex(out, /^registered acme\/node-9$/m)
  const stored = await api.inventory.getHost({ tenantId: 'acme', hostId: 'node-9' })
  t.deepEqual(stored.labels, { rack: '7', site: 'berlin' })
  const json = JSON.parse(
    ok(t, await cli(['hosts', 'register', 'acme', 'node-8', '--label', 'site=rome', '--json'])),
  ) as {
    host: { labels: object }
  }
  t.deepEqual(json.host.labels, { site: 'rome' })
  for (const [label, message] of [
    ['Bad Key=x', /label key "Bad Key": the name must be/],
    ['site-', /--label takes key=value/],
    ['site', /"site": write key=value/],
  ] as const) {
    const usage = await cli(['hosts', 'register', 'acme', 'node-7', '--label', label])
    t.is(usage.code, 2, label)
    t.regex(usage.stderr, message)
  }
  t.is(await api.inventory.findHost({ tenantId: 'acme', hostId: 'node-7' }), null, 'nothing registered')
})
