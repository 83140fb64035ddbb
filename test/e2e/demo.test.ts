import { readFile } from 'node:fs/promises'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import { BIN, spawnNode, tempDir, until } from './support/processes.ts'

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** The host id in the demo's table row of `name`. */
const hostIdIn = (output: string, name: string): string => new RegExp(`^${name} +(\\S+) `, 'm').exec(output)?.[1] ?? ''

const DEMO = ['demo', '--hosts', '6', '--api-port', '0', '--mqtt-port', '0', '--exit-when-settled']

test('`amt-manager demo` settles a small simulated fleet as each device predicts, and runs again on the same data dir', async (t) => {
  const dataDir = path.join(await tempDir(t, 'amt-e2e-demo-'), 'data')

  const first = spawnNode(t, BIN.manager, [...DEMO, '--data-dir', dataDir])
  t.deepEqual(await first.exited, { exitCode: 0, signal: null }, first.output())
  const output = first.output()
  t.regex(
    output,
    /tenant demo: 6 simulated hosts \(3 AMT, 1 ISM, 1 not capable, 1 failing activation\); 6 registered, 0 kept/,
  )
  t.regex(output, /all 6 hosts settled in [\d.]+ s: 4 PROVISIONED · 1 NOT_SUPPORTED · 1 FAILED/)
  t.regex(output, /sim-05 +[0-9a-f-]{36} .* UNPROVISIONED +ERROR +1\/1 +AMT not supported: /)
  t.regex(output, /sim-06 +[0-9a-f-]{36} .* UNPROVISIONED +ERROR +1\/1 +AMT Activation Failed: ActivationFailed: /)
  t.true(output.includes('every host ended as its device predicts'))

  const second = spawnNode(t, BIN.manager, [...DEMO, '--data-dir', dataDir])
  t.deepEqual(await second.exited, { exitCode: 0, signal: null }, second.output())
  t.regex(second.output(), /0 registered, 6 kept with new credentials/)
  t.regex(hostIdIn(output, 'sim-01'), UUID_V4)
  t.is(
    hostIdIn(second.output(), 'sim-01'),
    hostIdIn(output, 'sim-01'),
    'a re-run finds its hosts by name and keeps their ids',
  )
  t.regex(second.output(), /sim-01 +[0-9a-f-]{36} +AMT +AMT +PROVISIONED +IDLE +2\/2 +AMT Activation Done/)
})

const SERVE = ['demo', '--hosts', '2', '--api-port', '0', '--mqtt-port', '0']

/** `amt-manager hosts …` against the running demo, as a newcomer types it; resolves with its exit and output. */
async function cli(
  t: ExecutionContext,
  dataDir: string,
  apiUrl: string,
  args: string[],
): Promise<{ exitCode: number | null; output: string }> {
  const token = (await readFile(path.join(dataDir, 'admin-token'), 'utf8')).trim()
  const child = spawnNode(t, BIN.manager, args, { AMT_MANAGER_TOKEN: token, AMT_MANAGER_URL: apiUrl })
  const { exitCode } = await child.exited
  return { exitCode, output: child.output() }
}

test('the demo serves a simulated MPS: `hosts power … cycle` through the CLI reaches an activated host, and `hosts list` shows the state read back', async (t) => {
  const dataDir = path.join(await tempDir(t, 'amt-e2e-demo-power-'), 'data')
  const demo = spawnNode(t, BIN.manager, [...SERVE, '--data-dir', dataDir])
  await until(
    () => Promise.resolve(demo.output().includes('The manager keeps serving')),
    'the demo to settle and serve',
    { dead: demo, timeoutMs: 60_000 },
  )
  const output = demo.output()
  t.regex(output, /RPS +http:\/\/127\.0\.0\.1:\d+ +MPS +http:\/\/127\.0\.0\.1:\d+ +\(simulated in this process\)/)
  const apiUrl = /export AMT_MANAGER_URL=(\S+)/.exec(output)?.[1] ?? ''
  const provisioned = hostIdIn(output, 'sim-01')
  const failed = hostIdIn(output, 'sim-02')
  for (const hostId of [provisioned, failed]) t.regex(hostId, UUID_V4, 'demo host ids are random UUIDs')
  t.true(output.includes(`hosts power demo ${provisioned} cycle`), 'the demo says how to try it')

  const consoleUrl = /^Web console: (\S+)/m.exec(output)?.[1] ?? ''
  t.is(consoleUrl, `${apiUrl}/console`)
  const tokenFile = /^ {2}sign in with the admin API token in (\S+) /m.exec(output)?.[1] ?? ''
  t.is(path.resolve(tokenFile), path.join(dataDir, 'admin-token'), 'the printed file holds the admin token')
  const signIn = await fetch(`${apiUrl}/console/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: await readFile(tokenFile, 'utf8') }).toString(),
  })
  t.deepEqual([signIn.status, signIn.headers.get('location')], [303, '/console'], 'signing in as printed works')

  const cycle = await cli(t, dataDir, apiUrl, ['hosts', 'power', 'demo', provisioned, 'cycle'])
  t.is(cycle.exitCode, 0, cycle.output)
  t.regex(cycle.output, /power action cycle done on demo\/\S+: AMT answered SUCCESS/)
  t.regex(cycle.output, /power state: +on \(read \d+s ago/)
  const listRow = async () => {
    const list = await cli(t, dataDir, apiUrl, ['hosts', 'list', '--tenant', 'demo'])
    t.is(list.exitCode, 0, list.output)
    return list.output.split('\n').find((line) => line.includes(provisioned)) ?? ''
  }
  t.regex(await listRow(), /PROVISIONED +IDLE .* on \(\d+s ago\)/)

  const off = await cli(t, dataDir, apiUrl, ['hosts', 'power', 'demo', provisioned, 'off'])
  t.is(off.exitCode, 0, off.output)
  t.regex(await listRow(), / off \(\d+s ago\)/, 'the state changed: read back from the simulated MPS')

  const refused = await cli(t, dataDir, apiUrl, ['hosts', 'power', 'demo', failed, 'cycle'])
  t.is(refused.exitCode, 1)
  t.regex(refused.output, /HOST_NOT_PROVISIONED: .* power actions need AMT PROVISIONED/)

  demo.kill('SIGINT')
  t.deepEqual(await demo.exited, { exitCode: 0, signal: null }, demo.output().slice(-2000))
  const log = await readFile(path.join(dataDir, 'manager.log'), 'utf8')
  t.false(log.includes('differs from the host id'), 'each simulated AMT reports its host id as its UUID')
  t.false(log.includes('is not a UUID'), 'every demo host can be registered with MPS')
})
