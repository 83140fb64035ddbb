import test, { type ExecutionContext } from 'ava'
import { silentLogger } from '../../../../lib/log.ts'
import { fleetCounts, type WaveCounts } from '../../../../manager/console/data/fleet-summary.ts'
import { MemoryWaveHistory } from '../../../../manager/console/data/wave-history.ts'
import { recordWaves } from '../../../../manager/console/data/wave-recorder.ts'
import { seed, startApi, type ApiHarness } from '../../api/api-harness.ts'
import { seedFleet, TENANT } from '../fleet-fixture.ts'

const INTERVAL_MS = 2_000
/** Waits on a count, not on the clock; generous for a loaded machine. */
const EVENT_TIMEOUT_MS = 30_000

/** A clock the test moves by hand, with the timers the recorder sets on it. */
function manualClock() {
  let now = 1_000_000
  const timers: Array<{ at: number; run: () => void; done: boolean }> = []
  return {
    now: () => now,
    schedule: (run: () => void, ms: number) => {
      const timer = { at: now + ms, run, done: false }
      timers.push(timer)
      return () => void (timer.done = true)
    },
    /** The timers still to fire, as milliseconds from now. */
    pending: () => timers.filter((timer) => !timer.done).map((timer) => timer.at - now),
    advance(ms: number) {
      now += ms
      for (const timer of timers)
        if (!timer.done && timer.at <= now) {
          timer.done = true
          timer.run()
        }
    },
  }
}

/** Resolves when `probe` holds, checked after every count event; fails after EVENT_TIMEOUT_MS. */
type Waiter = { probe: () => boolean; resolve: () => void }

/**
 * The overview's count (fleetCounts over the real Inventory) held at its start until the test lets it go, so the
 * test sees which counts run when and how many at once.
 */
function heldCounts(api: ApiHarness) {
  const started: string[] = []
  const finished: string[] = []
  const gates: Array<() => void> = []
  const waiters = new Set<Waiter>()
  let running = 0
  let mostAtOnce = 0
  const check = () => {
    for (const waiter of waiters)
      if (waiter.probe()) {
        waiters.delete(waiter)
        waiter.resolve()
      }
  }
  const countWave = async (tenantId: string): Promise<WaveCounts> => {
    started.push(tenantId)
    mostAtOnce = Math.max(mostAtOnce, ++running)
    check()
    await new Promise<void>((resolve) => gates.push(resolve))
    try {
      return (await fleetCounts(api.inventory, tenantId)).wave
    } finally {
      running--
      finished.push(tenantId)
      // the recorder stores the numbers once this promise settles: tell waiters a turn later
      setImmediate(check)
    }
  }
  const until = (probe: () => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (probe()) return resolve()
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), EVENT_TIMEOUT_MS)
      waiters.add({ probe, resolve: () => (clearTimeout(timer), resolve()) })
    })
  return {
    countWave,
    started,
    finished,
    mostAtOnce: () => mostAtOnce,
    /** Lets the oldest held count go on. */
    release: () => gates.shift()?.(),
    started$: (n: number) => until(() => started.length >= n, `count ${n} to start`),
    finished$: (n: number) => until(() => finished.length >= n, `count ${n} to finish`),
  }
}

async function world(t: ExecutionContext) {
  const api = await startApi(t)
  await seedFleet(api.inventory)
  await seed(api.inventory, { other: ['o1'] })
  const clock = manualClock()
  const counts = heldCounts(api)
  const history = new MemoryWaveHistory()
  const stop = recordWaves({
    changes: api.core.hostChanges,
    history,
    countWave: counts.countWave,
    log: silentLogger(),
    intervalMs: INTERVAL_MS,
    now: clock.now,
    schedule: clock.schedule,
  })
  t.teardown(async () => {
    while (counts.started.length > counts.finished.length) counts.release()
    await stop()
  })
  const operator = await api.token('operator', '*')
  /** A change through the API and the core's write path: the host's desired AMT state. */
  const desire = async (tenantId: string, hostId: string, desiredAmtState: 'PROVISIONED' | 'UNPROVISIONED') => {
    const answer = await api.request('PATCH', `/api/v1/tenants/${tenantId}/hosts/${hostId}/amt`, {
      token: operator,
      body: { desiredAmtState },
    })
    if (answer.status !== 200) throw new Error(`PATCH ${hostId}: HTTP ${answer.status} ${answer.text}`)
  }
  return { api, clock, counts, history, stop, desire }
}

const numbers = async (history: MemoryWaveHistory, tenantId: string, now: number) =>
  (await history.samples(tenantId, now)).map(({ at, targeted, done, failed }) => ({ at, targeted, done, failed }))

test('a change nobody watches is counted at once and recorded with the overview’s numbers', async (t) => {
  const { clock, counts, history, desire } = await world(t)
  t.deepEqual(await history.samples(TENANT, clock.now()), [], 'nothing recorded before a change')
  await desire(TENANT, 'i1', 'PROVISIONED')
  await counts.started$(1)
  t.deepEqual(counts.started, [TENANT])
  counts.release()
  await counts.finished$(1)
  t.deepEqual(await numbers(history, TENANT, clock.now()), [{ at: clock.now(), targeted: 4, done: 1, failed: 1 }])
  t.deepEqual(clock.pending(), [], 'no count owed')
})

test('a burst: never two counts of a tenant at once, one more after the interval with the newest numbers', async (t) => {
  const { clock, counts, history, desire } = await world(t)
  const start = clock.now()
  await desire(TENANT, 'i1', 'PROVISIONED')
  await counts.started$(1)
  await desire(TENANT, 'i1', 'UNPROVISIONED')
  await desire(TENANT, 'u1', 'PROVISIONED')
  await desire('other', 'o1', 'PROVISIONED')
  await counts.started$(2)
  t.deepEqual(counts.started, [TENANT, 'other'], 'another tenant is counted at once; acme’s changes wait')
  counts.release()
  counts.release()
  await counts.finished$(2)
  t.deepEqual(clock.pending(), [INTERVAL_MS], 'acme owes one count, due an interval after its first')

  clock.advance(INTERVAL_MS - 1)
  t.is(counts.started.length, 2, 'not before the interval')
  await desire(TENANT, 'u1', 'UNPROVISIONED')
  t.is(counts.started.length, 2, 'a change meanwhile merges into the owed count')
  clock.advance(1)
  await counts.started$(3)
  t.deepEqual(counts.started, [TENANT, 'other', TENANT])
  counts.release()
  await counts.finished$(3)
  t.is(counts.mostAtOnce(), 2, 'one per tenant at most')
  t.deepEqual(clock.pending(), [], 'nothing more owed after the burst')
  t.deepEqual(await numbers(history, TENANT, clock.now()), [
    { at: start, targeted: 4, done: 1, failed: 1 },
    { at: start + INTERVAL_MS, targeted: 3, done: 1, failed: 1 },
  ])
  t.deepEqual(await numbers(history, 'other', clock.now()), [{ at: start, targeted: 1, done: 0, failed: 0 }])
})

test('stop: the count under way ends, owed counts are dropped, later changes are not counted', async (t) => {
  const { clock, counts, desire, stop } = await world(t)
  await desire(TENANT, 'i1', 'PROVISIONED')
  await counts.started$(1)
  await desire(TENANT, 'i1', 'UNPROVISIONED')
  let stopped = false
  const stopping = stop().then(() => (stopped = true))
  await desire(TENANT, 'u1', 'PROVISIONED')
  t.false(stopped, 'stop waits for the count under way')
  counts.release()
  await stopping
  clock.advance(10 * INTERVAL_MS)
  await desire(TENANT, 'u1', 'UNPROVISIONED')
  t.deepEqual(counts.started, [TENANT], 'no count after stop')
  t.deepEqual(clock.pending(), [])
})

test('another replica’s changes (relayed into the feed) are left to that replica’s recorder', async (t) => {
  const { api, counts, desire } = await world(t)
  const host = await api.inventory.getHost({ tenantId: 'other', hostId: 'o1' })
  api.core.peerChanges.received({ kind: 'host', host })
  api.core.peerChanges.resync()
  await desire(TENANT, 'i1', 'PROVISIONED') // a change of its own, the marker
  await counts.started$(1)
  t.deepEqual(counts.started, [TENANT], 'only the change this replica wrote is counted')
  counts.release()
  await counts.finished$(1)
})

test('a slow count spaces the next one by its share (2 %), not by the interval', async (t) => {
  const { clock, counts, desire } = await world(t)
  await desire(TENANT, 'i1', 'PROVISIONED')
  await counts.started$(1)
  clock.advance(150) // the count takes 150 ms (a large Inventory on a loaded machine)
  counts.release()
  await counts.finished$(1)
  await desire(TENANT, 'i1', 'UNPROVISIONED')
  t.deepEqual(clock.pending(), [150 / 0.02 - 150], 'due 7.5 s after the slow count started, not 2 s')
  clock.advance(INTERVAL_MS)
  t.is(counts.started.length, 1, 'not after the interval alone')
  clock.advance(150 / 0.02 - 150 - INTERVAL_MS)
  await counts.started$(2)
  counts.release()
  await counts.finished$(2)
  await desire(TENANT, 'i1', 'PROVISIONED')
  t.deepEqual(clock.pending(), [INTERVAL_MS], 'a quick count again: the interval again')
})
