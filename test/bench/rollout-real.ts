/**
 * Rollout benchmark on a REAL clock (prints figures; not a test): issue 18's "a 10,000-node policy rollout at 500
 * starts/minute keeps to the rate within 5 % and stops within one rate interval of crossing the abort threshold".
 * The built manager (dist/, `npm run build`) as a child process with its embedded broker and SQLite (fleet-manager.ts),
 * N real agents over MQTT in this process (the fleet benchmark's simulator, fleet-sim.ts), every host in one group
 * with policy `ccm`, applied through the API (`POST …/groups/{name}/rollout`: a policy rollout) at --rate.
 *
 *   npx tsx test/bench/rollout-real.ts [--hosts 10000] [--rate 500] [--runs rate,abort] [--minutes 0]
 *                                      [--fail-percent 10] [--fail-delay-ms 0] [--abort-percent 5] [--min-finished 100]
 *
 * rate:  every host succeeds; the members' start times as the manager stored them (GET …/rollouts/{id}/hosts):
 *        starts per real minute, the whole run's rate against --rate. --minutes bounds it (0: the whole rollout).
 * abort: --fail-percent of the hosts fail activation (the simulator's `failures.activationFails`, after
 *        --fail-delay-ms); the abort rule --abort-percent/--min-finished. When the failure share crossed the
 *        threshold (the agents' reports as this process sees them) against when the manager aborted (its
 *        finishedAt), and the starts it made in between against one rate interval (the engine's tick of 1 s).
 */
import { parseArgs } from 'node:util'
import { delay, hardTimeLimit, loadAverage, printFooter, printHeader } from './fleet-env.ts'
import { prepareManager, removeManagerDir, startManager, type ManagerProcess } from './fleet-manager.ts'
import { firstReports } from './fleet-scenarios.ts'
import { createSimFleet, localFleet, simGroups } from './fleet-sim.ts'
import { GOALS, goalLine } from './goals.ts'
import { FailureWatch, listMembers, rateFigures, type RolloutBody } from './rollout-real-figures.ts'

const { values: args } = parseArgs({
  options: {
    hosts: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '500' },
    runs: { type: 'string', default: 'rate,abort' },
    minutes: { type: 'string', default: '0' },
    ramp: { type: 'string', default: '400' },
    'fail-percent': { type: 'string', default: '10' },
    'fail-delay-ms': { type: 'string', default: '0' },
    'abort-percent': { type: 'string', default: '5' },
    'min-finished': { type: 'string', default: '100' },
  },
})
const HOSTS = Number(args.hosts)
const RATE = Number(args.rate)
const MINUTES = Number(args.minutes)
const TENANT = 'bench'
const GROUP = 'fleet'
const FINAL = ['completed', 'aborted', 'cancelled']
const startedAt = Date.now()

interface RunSpec {
  label: string
  failPercent: number
  abort?: { failurePercent: number; minFinished: number }
}

async function run(spec: RunSpec): Promise<void> {
  console.log(`\n## ${spec.label} (load average ${loadAverage()})`)
  const prepared = await prepareManager({
    hosts: HOSTS,
    tenantId: TENANT,
    hashScheme: { scheme: 'hmac-sha256' },
    logLevel: 'warn',
  })
  let manager: ManagerProcess | undefined
  const sim = createSimFleet(
    simGroups(prepared.devices, () => prepared.brokerUrl),
    Number(args.ramp),
    {
      failures: { activationFails: spec.failPercent / 100, activationFailDelayMs: Number(args['fail-delay-ms']) },
    },
  )
  const fleet = localFleet(sim)
  const disarm = hardTimeLimit((HOSTS / RATE + 30) * 60_000, async () => {
    await fleet.stop()
    await manager?.stop()
  })
  let failed = false
  try {
    manager = await startManager(prepared)
    await fleet.start()
    const reader = manager
    await firstReports({
      reader,
      fleet,
      hosts: HOSTS,
      tenantId: TENANT,
      rampPerSecond: Number(args.ramp),
      logFile: prepared.logFile,
    })
    const group = await manager.api('PUT', `/api/v1/tenants/${TENANT}/groups/${GROUP}`, {
      selector: {},
      priority: 100,
      policy: { amt: 'ccm' },
    })
    if (group.status !== 200) throw new Error(`PUT group: HTTP ${group.status} ${JSON.stringify(group.json)}`)
    const watch = new FailureWatch(sim.fleets, spec.abort)
    const controls = { maxConcurrent: HOSTS, maxStartsPerMinute: RATE, ...(spec.abort ? { abort: spec.abort } : {}) }
    const applied = await manager.api<{ rollouts: RolloutBody[] }>(
      'POST',
      `/api/v1/tenants/${TENANT}/groups/${GROUP}/rollout`,
      { controls },
    )
    const [created] = applied.json.rollouts
    if (applied.status !== 200 || created === undefined || applied.json.rollouts.length !== 1)
      throw new Error(`apply: HTTP ${applied.status} ${JSON.stringify(applied.json).slice(0, 500)}`)
    const path = `/api/v1/tenants/${TENANT}/rollouts/${created.rolloutId}`
    console.log(`policy rollout ${created.rolloutId}: ${created.progress.targeted} members, ${RATE} starts/min`)
    const bound = MINUTES > 0 ? Date.now() + MINUTES * 60_000 : Infinity
    let rollout = created
    let lastReport = Date.now()
    while (!FINAL.includes(rollout.state) && Date.now() < bound) {
      await delay(1000)
      const read = await manager.api<RolloutBody>('GET', path)
      if (read.status === 200) rollout = read.json
      if (Date.now() - lastReport >= 60_000) {
        lastReport = Date.now()
        console.log(`  ${rollout.state}: ${JSON.stringify(rollout.progress)} (load ${loadAverage()})`)
      }
    }
    const members = await listMembers(manager, path)
    console.log(`state ${rollout.state}${rollout.reason ? `: ${rollout.reason}` : ''}`)
    console.log(`progress: ${JSON.stringify(rollout.progress)}`)
    const figures = rateFigures(members, RATE)
    if (figures) {
      console.log(
        `starts ${figures.starts} over ${figures.spanMinutes.toFixed(2)} min: ${figures.perMinute.toFixed(1)}/min ` +
          `(${figures.deviationPercent.toFixed(2)} % from ${RATE}); per full real minute: ${figures.fullMinutes.join(' ')}`,
      )
      if (!spec.abort && figures.spanMinutes >= 1)
        console.log(goalLine(GOALS.rolloutRate, Math.abs(figures.deviationPercent)))
    }
    if (spec.abort) printAbort(watch, rollout, members)
  } catch (err) {
    failed = true
    console.error(`run failed; its files are kept in ${prepared.dir}`)
    throw err
  } finally {
    disarm()
    await fleet.stop()
    await manager?.stop()
    if (!failed) await removeManagerDir(prepared)
  }
}

function printAbort(watch: FailureWatch, rollout: RolloutBody, members: Awaited<ReturnType<typeof listMembers>>) {
  const crossed = watch.crossedAt
  const abortedAt = rollout.finishedAt === null ? null : Date.parse(rollout.finishedAt)
  console.log(
    `agents' reports: ${watch.failed} failed, ${watch.succeeded} succeeded at the end; threshold crossed at ` +
      `${crossed === null ? '-' : new Date(crossed.at).toISOString()} (${crossed?.failed ?? '-'} of ${crossed?.finished ?? '-'} finished failed)`,
  )
  if (crossed === null || abortedAt === null || rollout.state !== 'aborted') {
    console.log('no abort to measure')
    return
  }
  const between = members.filter((member) => {
    const started = member.startedAt === null ? null : Date.parse(member.startedAt)
    return started !== null && started > crossed.at && started <= abortedAt
  }).length
  console.log(
    `aborted ${((abortedAt - crossed.at) / 1000).toFixed(2)} s after the crossing; starts in between ${between} ` +
      `(one rate interval, the engine's tick of 1 s: ${(RATE / 60).toFixed(1)} starts)`,
  )
  console.log(goalLine({ ...GOALS.rolloutAbort, limit: Number((RATE / 60).toFixed(1)) }, between, 0))
}

await printHeader(`rollout benchmark on a real clock: ${HOSTS} hosts, policy rollout at ${RATE}/min`)
for (const name of args.runs.split(',')) {
  if (name === 'rate') await run({ label: 'rate: every host succeeds', failPercent: 0 })
  else if (name === 'abort')
    await run({
      label: `abort: ${args['fail-percent']} % of the hosts fail activation`,
      failPercent: Number(args['fail-percent']),
      abort: { failurePercent: Number(args['abort-percent']), minFinished: Number(args['min-finished']) },
    })
  else throw new Error(`--runs: rate and/or abort, not ${name}`)
}
printFooter(startedAt)
