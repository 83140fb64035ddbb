import test, { type ExecutionContext } from 'ava'
import { startPowerApi, type PowerApi } from '../dmt/power-api-setup.ts'
import { runCli } from './run-cli.ts'

/** `amtctl hosts power|list|show` against the real API over the fake MPS (host acme/<uuid 1>: connected, off). */
async function setup(t: ExecutionContext) {
  const api = await startPowerApi(t)
  const env = { AMT_MANAGER_URL: api.url, AMT_MANAGER_TOKEN: await api.token('operator', 'acme') }
  const cli = (...args: string[]) => runCli(env, args)
  return { api, cli, host: api.key.hostId }
}

const WAIT_MS = 10_000

/** Resolves when the fake MPS receives the next power action (the action is then in flight). */
function nextActionArrives(api: PowerApi): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no power action reached MPS within ${WAIT_MS} ms`)), WAIT_MS)
    api.mps.server.beforeRoute = (request) => {
      if (!request.path.includes('/amt/power/action/')) return
      clearTimeout(timer)
      resolve()
    }
  })
}

test('hosts power reset: MPS gets action 10; the CLI prints the state read back from MPS with its age', async (t) => {
  const { api, cli, host } = await setup(t)
  const run = await cli('hosts', 'power', 'acme', host, 'reset')
  t.is(run.code, 0, run.stderr)
  t.deepEqual(api.mps.powerActions, [{ guid: api.guid, action: 10 }])
  t.regex(run.stdout, new RegExp(`^power action reset done on acme/${host}: AMT answered SUCCESS$`, 'm'))
  t.regex(run.stdout, /^power state:\s+on \(read \d+s ago, \d{4}-\d\d-\d\dT[\d:.]+Z\)$/m)
  t.regex(run.stdout, /^power action:\s+done: Power action reset done \(/m)
})

test('hosts list and show carry the power state, its age, and the last action apart from it', async (t) => {
  const { cli, host } = await setup(t)
  const never = await cli('hosts', 'list', '--tenant', 'acme')
  t.regex(never.stdout, /^TENANT\s+HOST.*\s+POWER\s+STATUS$/m)
  t.regex(never.stdout, new RegExp(`^acme\\s+${host}\\s.*\\sno\\s+unknown\\s`, 'm'), 'never read: unknown, with no age')
  t.regex((await cli('hosts', 'show', 'acme', host)).stdout, /^power state:\s+unknown \(never read from MPS\)$/m)
  t.is((await cli('hosts', 'power', 'acme', host, 'state')).code, 0)
  t.regex(
    (await cli('hosts', 'list', '--tenant', 'acme')).stdout,
    new RegExp(`^acme\\s+${host}\\s.*\\sno\\s+off \\(\\d+s ago\\)\\s`, 'm'),
  )
  const shown = (await cli('hosts', 'show', 'acme', host)).stdout
  t.regex(shown, /^power state:\s+off \(read \d+s ago, /m)
  t.regex(shown, /^power action:\s+-$/m)
  const json = JSON.parse((await cli('hosts', 'show', 'acme', host, '--json')).stdout) as {
    host: Record<string, unknown>
  }
  t.like(json.host, { powerState: 'off', powerAction: null })
})

test('an action in flight is shown as pending, never as the state', async (t) => {
  const { api, cli, host } = await setup(t)
  t.is((await cli('hosts', 'power', 'acme', host, 'state')).code, 0)
  api.mps.server.slowMs = 120_000
  const arrived = nextActionArrives(api)
  const acting = cli('hosts', 'power', 'acme', host, 'cycle')
  await arrived
  const listed = (await cli('hosts', 'list', '--tenant', 'acme')).stdout
  t.regex(listed, new RegExp(`\\sno\\s+off \\(\\d+s ago\\), action pending\\s`), listed)
  const json = JSON.parse((await cli('hosts', 'show', 'acme', host, '--json')).stdout) as {
    host: Record<string, unknown>
  }
  t.like(json.host, {
    powerState: 'off',
    powerAction: { requested: 'POWER_CYCLE', outcome: 'pending', message: 'Power action cycle in progress' },
  })
  t.regex(
    (await cli('hosts', 'show', 'acme', host)).stdout,
    /^power action:\s+pending: Power action cycle in progress/m,
  )
  await api.mps.server.down()
  const failed = await acting
  t.is(failed.code, 1)
  t.regex(failed.stderr, /^error: MPS_UNAVAILABLE: /)
  t.deepEqual(api.mps.powerActions, [{ guid: api.guid, action: 5 }], 'sent once: the cut action was not resent')
})

test('a refused action says why: not connected through CIRA, AMT refused, MPS down', async (t) => {
  const { api, cli, host } = await setup(t)
  api.mps.powerAnswer = { ReturnValue: 2, ReturnValueStr: 'NOT_READY' }
  const refused = await cli('hosts', 'power', 'acme', host, 'on')
  t.is(refused.code, 1)
  t.regex(refused.stderr, /^error: POWER_ACTION_FAILED: AMT answered NOT_READY \(2\) to power action on$/m)
  api.mps.powerAnswer = null
  const device = api.mps.devices.get(api.guid)
  if (device) device.connectionStatus = false
  const offline = await cli('hosts', 'power', 'acme', host, 'off')
  t.is(offline.code, 1)
  t.regex(offline.stderr, /^error: MPS_REJECTED: .*Device not found\/connected\. Please connect again using CIRA\./m)
  await api.mps.server.down()
  const down = await cli('hosts', 'power', 'acme', host, 'soft-off')
  t.is(down.code, 1)
  t.regex(down.stderr, /^error: MPS_UNAVAILABLE: .*connection refused/m)
  const shown = (await cli('hosts', 'show', 'acme', host)).stdout
  t.regex(shown, /^power action:\s+failed: Power action soft-off failed: MPS unavailable: .*connection refused/m)
  t.regex(shown, /^power state:\s+unknown \(never read from MPS\)$/m, 'a failed action is not a state')
})
