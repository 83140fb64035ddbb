/**
 * Rollout benchmark (prints figures; not a test): a 10 000-node rollout at 500 starts/min on a SIMULATED clock — the
 * real RolloutEngine, the real SQLite Inventory (in memory) and the real SQLite rollout store (a temp file), with
 * setDesired as the Inventory's desired write; the agents are simulated: each answers `--answer-s` simulated seconds
 * after its start (writing its state report into the Inventory as the state reducer would). The engine ticks once
 * per simulated second, so 20 simulated minutes run in however long 1 200 ticks take (printed).
 *
 *   npx tsx test/bench/rollout.ts [--hosts 10000] [--rate 500] [--answer-s 30] [--fail-after 3000]
 *                                 [--abort-percent 5] [--min-finished 100]
 *
 * Two runs: (1) every host succeeds: the starts per simulated minute and the whole run's rate against --rate;
 * (2) hosts started after the first --fail-after fail (a firmware bug appearing mid-rollout) under the abort rule:
 * when the failure share crossed the threshold (as the outcomes stored say, checked every simulated second) and when
 * the engine aborted, with the starts made in between, against one rate interval (a tick of 1 s: rate/60 starts).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { silentLogger } from '../../lib/log.ts'
import { RolloutEngine } from '../../manager/core/rollouts/rollout-engine.ts'
import { RolloutService } from '../../manager/core/rollouts/rollout-service.ts'
import type { HostPatch } from '../../manager/inventory/port.ts'
import { IN_MEMORY, openSqliteInventory } from '../../manager/inventory/sqlite/open.ts'
import type { RolloutControls } from '../../manager/rollouts/rollout.ts'
import { SqliteRolloutStore } from '../../manager/rollouts/sqlite-rollout-store.ts'

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '500' },
    'answer-s': { type: 'string', default: '30' },
    'fail-after': { type: 'string', default: '3000' },
    'abort-percent': { type: 'string', default: '5' },
    'min-finished': { type: 'string', default: '100' },
  },
})
const HOSTS = Number(values.hosts)
const RATE = Number(values.rate)
const ANSWER_MS = Number(values['answer-s']) * 1000
const TENANT = 'bench'
const SUCCEEDED: HostPatch = { currentState: 'PROVISIONED', phase: 'PROVISIONED', statusIndicator: 'IDLE' }
const FAILED: HostPatch = {
  phase: 'FAILED',
  statusIndicator: 'ERROR',
  status: 'AMT Activation Failed: ActivationFailed',
}

async function run(label: string, controls: RolloutControls, failsFrom: number) {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-bench-rollout-'))
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  const store = await SqliteRolloutStore.open(path.join(dir, 'rollouts.sqlite'))
  try {
    await inventory.createTenant({ tenantId: TENANT })
    const ids = Array.from({ length: HOSTS }, (_, i) => `n${String(i).padStart(6, '0')}`)
    await inventory.createHosts(ids.map((hostId) => ({ tenantId: TENANT, hostId })))
    await inventory.updateHosts(ids.map((hostId) => ({ key: { tenantId: TENANT, hostId }, patch: { sku: 'AMT' } })))
    const clock = { ms: Date.parse('2026-12-07T00:00:00.000Z') }
    const now = () => new Date(clock.ms)
    const due: Array<{ at: number; hostId: string; generation: number; fails: boolean }> = []
    const starts: number[] = []
    const engine = new RolloutEngine({
      store,
      findHosts: (keys) => inventory.findHosts(keys),
      setDesired: async (selector, request) => {
        const stored = await inventory.setDesiredMany(selector, { desiredState: request.state })
        for (const host of stored) {
          due.push({
            at: clock.ms + ANSWER_MS,
            hostId: host.hostId,
            generation: host.desiredGeneration,
            fails: starts.length >= failsFrom,
          })
          starts.push(clock.ms)
        }
        return stored
      },
      now,
      log: silentLogger(),
    })
    const service = new RolloutService({ store, inventory, now })
    const rollout = await service.create({
      tenantId: TENANT,
      target: { filter: {} },
      action: { state: 'PROVISIONED' },
      controls,
      createdBy: 'bench',
    })
    const began = clock.ms
    const wall = performance.now()
    let crossedAt: number | null = null
    let startsAtCrossing = 0
    let state = rollout.state
    while (!['completed', 'aborted'].includes(state) && clock.ms - began < 4 * 3600_000) {
      const answering = due.filter((entry) => entry.at <= clock.ms)
      if (answering.length > 0) {
        due.splice(0, answering.length)
        await inventory.updateHosts(
          answering.map(({ hostId, generation, fails }) => ({
            key: { tenantId: TENANT, hostId },
            patch: { ...(fails ? FAILED : SUCCEEDED), observedGeneration: generation },
          })),
        )
      }
      await engine.tick()
      const current = await store.get(TENANT, rollout.id)
      state = current.state
      const progress = await store.progress(rollout.id)
      const finished = progress.succeeded + progress.failed
      const abort = controls.abort
      if (
        crossedAt === null &&
        abort &&
        finished >= abort.minFinished &&
        (progress.failed / finished) * 100 > abort.failurePercent
      ) {
        crossedAt = clock.ms
        startsAtCrossing = starts.length
      }
      clock.ms += 1000
    }
    const seconds = (performance.now() - wall) / 1000
    const first = starts[0] ?? began
    const span = ((starts.at(-1) ?? first) - first) / 60_000
    const perMinute = new Map<number, number>()
    for (const at of starts)
      perMinute.set(Math.floor((at - first) / 60_000), (perMinute.get(Math.floor((at - first) / 60_000)) ?? 0) + 1)
    const full = [...perMinute.entries()].filter(([minute]) => minute < Math.floor(span)).map(([, n]) => n)
    const progress = await store.progress(rollout.id)
    console.log(`\n## ${label}`)
    console.log(`hosts ${HOSTS}, rate ${RATE}/min, agents answer after ${ANSWER_MS / 1000} s (simulated)`)
    console.log(
      `state ${state}; starts ${starts.length}; simulated ${((clock.ms - began) / 60_000).toFixed(1)} min in ${seconds.toFixed(1)} s of wall time`,
    )
    if (starts.length > 1) {
      const rate = (starts.length - 1) / span
      console.log(
        `rate over the run: ${rate.toFixed(1)}/min (${(((rate - RATE) / RATE) * 100).toFixed(2)} % from ${RATE})`,
      )
    }
    if (full.length > 0)
      console.log(`starts per full minute: min ${Math.min(...full)}, max ${Math.max(...full)} (${full.length} minutes)`)
    console.log(`progress: ${JSON.stringify(progress)}`)
    if (controls.abort) {
      const stopped = await store.get(TENANT, rollout.id)
      console.log(
        `threshold crossed at +${crossedAt === null ? '-' : (crossedAt - began) / 1000} s (${startsAtCrossing} starts)`,
      )
      console.log(
        `aborted at +${stopped.finishedAt === null ? '-' : (Date.parse(stopped.finishedAt) - began) / 1000} s: ${stopped.reason}`,
      )
      console.log(
        `starts after the crossing: ${starts.length - startsAtCrossing} (one rate interval of 1 s: ${(RATE / 60).toFixed(1)})`,
      )
    }
  } finally {
    await store.close()
    await inventory.close()
    await rm(dir, { recursive: true, force: true })
  }
}

await run('all succeed', { maxConcurrent: HOSTS, maxStartsPerMinute: RATE }, Infinity)
await run(
  'failures after the first hosts, abort rule',
  {
    maxConcurrent: HOSTS,
    maxStartsPerMinute: RATE,
    abort: { failurePercent: Number(values['abort-percent']), minFinished: Number(values['min-finished']) },
  },
  Number(values['fail-after']),
)
