import test from 'ava'
import { startTestBroker } from '../../helpers/broker.ts'
import { expectedPhase, FLEET_TEST_MS, missing, reachedFinal, startFleetHarness } from './fleet-harness.ts'

test('200 simulated hosts with a mix converge: capable → PROVISIONED, not capable → NOT_SUPPORTED, faulty → FAILED with its code, none lost', async (t) => {
  t.timeout(FLEET_TEST_MS)
  const broker = await startTestBroker(t)
  const { fleet, watcher } = await startFleetHarness(t, broker, {
    count: 200,
    tenants: 2,
    seed: 7,
    mix: {
      amt: 70,
      ism: 20,
      notCapable: 7,
      noMe: 3,
      assign: [{ index: 0, kind: 'amt', faults: { activationFails: 102 } }],
    },
    failures: { transient: 0.05, lmsMissing: 0.01, stuckConnecting: 0.02 },
  })
  const { plan } = fleet

  await watcher.until(
    () => plan.every((host) => reachedFinal(host, watcher.seen(host))),
    () => missing(plan, watcher),
  )
  const progress = await fleet.settled()

  for (const host of plan) {
    const state = watcher.seen(host).state
    t.is(state?.phase, expectedPhase(host), `${host.hostId} (${host.kind}, ${host.failure ?? 'healthy'})`)
  }
  const faulty = watcher.seen(plan[0] ?? { tenantId: '', hostId: '' }).state
  t.like(faulty, { phase: 'FAILED', observedGeneration: 1, error: { code: 102, name: 'ActivationFailed' } })
  for (const host of plan.filter((h) => h.failure === 'lmsMissing'))
    t.like(watcher.seen(host).state, { phase: 'FAILED', error: { code: 139 } })

  const count = (phase: string) => plan.filter((host) => expectedPhase(host) === phase).length
  t.like(progress, { total: 200, started: 200, settled: 200, allSettled: true })
  t.like(progress.phases, {
    PROVISIONED: count('PROVISIONED'),
    NOT_SUPPORTED: count('NOT_SUPPORTED'),
    FAILED: count('FAILED'),
    PENDING: 0,
  })
  t.is(count('NOT_SUPPORTED'), 20, 'the mix is apportioned exactly, the explicit host included')
  t.is(plan.filter((h) => h.kind === 'ism').length, 40)
  t.true(plan.some((h) => h.failure === 'transient') && plan.some((h) => h.failure === 'stuckConnecting'))
  t.true(
    plan
      .filter((h) => h.failure === 'stuckConnecting')
      .every((h) => watcher.seen(h).events.some((e) => e.kind === 'recovery.started')),
    'stuck-connecting hosts were recovered by the reconciler',
  )
})
