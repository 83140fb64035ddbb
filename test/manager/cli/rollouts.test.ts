import test from 'ava'
import { runCli } from './run-cli.ts'
import { seed, startApi, type ApiHarness } from '../api/api-harness.ts'

const hostIds = ['n1', 'n2', 'n3', 'n4']

async function fleet(t: Parameters<typeof startApi>[0]) {
  const api = await startApi(t)
  await seed(api.inventory, { acme: hostIds })
  const token = await api.token('operator', 'acme', 'cli')
  const cli = (args: string[], options: Parameters<typeof runCli>[2] = {}) =>
    runCli({ AMT_MANAGER_URL: api.url, AMT_MANAGER_TOKEN: token }, args, options)
  return { api, cli }
}

/** Every agent with a desired not answered yet reports PROVISIONED on it; then one engine tick. */
async function answerAndTick(api: ApiHarness): Promise<void> {
  for (const host of (await api.inventory.listHosts({ tenantId: 'acme' })).hosts) {
    if (host.observedGeneration < host.desiredGeneration)
      await api.inventory.updateHost(host, {
        currentState: 'PROVISIONED',
        phase: 'PROVISIONED',
        observedGeneration: host.desiredGeneration,
        statusIndicator: 'IDLE',
      })
  }
  await api.rollouts.tick()
}

test('rollouts create, list, show, pause, resume and cancel print what the API answers; bad options are usage errors', async (t) => {
  const { cli } = await fleet(t)
  const usage = await cli(['rollouts', 'create', 'acme', '--all', '--max-concurrent', '2', '--rate', '10'])
  t.is(usage.code, 2)
  t.is(usage.stderr, 'error: give --activate or --deactivate\n')
  const badWindow = await cli([
    'rollouts',
    'create',
    'acme',
    '--all',
    '--activate',
    '--max-concurrent',
    '2',
    '--rate',
    '10',
    '--window',
    'x',
  ])
  t.is(badWindow.code, 2)
  const created = await cli([
    'rollouts',
    'create',
    'acme',
    '--all',
    '--activate',
    '--max-concurrent',
    '2',
    '--rate',
    '30',
    '--ramp',
    '5,2',
    '--canary',
    '50%',
    '--approve-at',
    '100',
    '--abort-at',
    '20,2',
    '--window',
    'Europe/Berlin 1-5 22:00-05:00',
    '--json',
  ])
  t.is(created.code, 0, created.stderr)
  const rollout = JSON.parse(created.stdout) as { rolloutId: string; controls: object; state: string }
  t.deepEqual(rollout.controls, {
    maxConcurrent: 2,
    maxStartsPerMinute: 30,
    ramp: { initial: 5, factor: 2 },
    canary: { percent: 50, approval: { successPercent: 100 } },
    abort: { failurePercent: 20, minFinished: 2 },
    window: { timezone: 'Europe/Berlin', days: [1, 2, 3, 4, 5], start: '22:00', end: '05:00' },
  })
  const list = await cli(['rollouts', 'list', 'acme'])
  t.regex(
    list.stdout,
    new RegExp(
      `^ROLLOUT\\s+STATE\\s+ACTION\\s+HOSTS\\s+PROGRESS\\s+CREATED\\n${rollout.rolloutId}\\s+canary\\s+PROVISIONED\\s+4\\s+pending 4,`,
    ),
  )
  const show = await cli(['rollouts', 'show', 'acme', rollout.rolloutId])
  t.regex(show.stdout, /^state: {5}canary\n/m)
  t.regex(show.stdout, /^progress: {2}\[\.{30}\] 0\/4 canary: pending 4, in progress 0/m)
  t.regex(show.stdout, /^canary: {4}0\/2 finished$/m)
  t.is(
    (await cli(['rollouts', 'pause', 'acme', rollout.rolloutId])).stdout,
    `rollout ${rollout.rolloutId}: paused (paused by api:cli)\n`,
  )
  t.is(
    (await cli(['rollouts', 'resume', 'acme', rollout.rolloutId])).stdout,
    `rollout ${rollout.rolloutId}: canary (resumed by api:cli)\n`,
  )
  t.is(
    (await cli(['rollouts', 'cancel', 'acme', rollout.rolloutId])).stdout,
    `rollout ${rollout.rolloutId}: cancelled (cancelled by api:cli)\n`,
  )
  const again = await cli(['rollouts', 'approve', 'acme', rollout.rolloutId])
  t.is(again.code, 1)
  t.is(again.stderr, 'error: ROLLOUT_STATE_CONFLICT: a rollout in state cancelled cannot be asked to approve\n')
})

for (const isTTY of [false, true]) {
  test(`show --watch follows the rollout to its end: ${isTTY ? 'a live bar on a terminal' : 'a line per change otherwise'}`, async (t) => {
    const { api, cli } = await fleet(t)
    const created = await cli([
      'rollouts',
      'create',
      'acme',
      'n1',
      'n2',
      'n3',
      '--activate',
      '--max-concurrent',
      '1',
      '--rate',
      '6000',
      '--json',
    ])
    const { rolloutId } = JSON.parse(created.stdout) as { rolloutId: string }
    // Each tick waits for the watcher's next output: it sees every step, whatever the machine's load.
    let outputs = 0
    let done = false
    let wake: () => void = () => undefined
    const watching = cli(['rollouts', 'show', 'acme', rolloutId, '--watch', '--interval', '100'], {
      isTTY,
      onOut: () => {
        outputs++
        wake()
      },
    })
    void watching.finally(() => {
      done = true
      wake()
    })
    const deadline = Date.now() + 30_000
    while (!done && Date.now() < deadline) {
      const seen = outputs
      await answerAndTick(api)
      if (outputs === seen && !done) await new Promise<void>((resolve) => (wake = resolve))
    }
    const run = await watching
    t.is(run.code, 0, run.stderr)
    const bars = run.stdout.split(isTTY ? '\r\x1b[2K' : '\n').filter((line) => line.startsWith('['))
    t.true(bars.length >= 2, run.stdout)
    t.regex(bars.at(-1) ?? '', /^\[#{30}\] 3\/3 completed: pending 0, in progress 0, succeeded 3/)
    if (isTTY) t.true(run.stdout.endsWith('\n') && !run.stdout.slice(0, -1).includes('\n'), 'one line, redrawn')
    else t.is(new Set(bars).size, bars.length, 'a line only when something changed')
  })
}
