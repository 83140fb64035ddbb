import test from 'ava'
import { FleetSpec, type FleetSpecInput } from '../../../agent/simulate/fleet-options.ts'
import { deviceOf } from '../../../agent/simulate/device-profile.ts'
import { planFleet } from '../../../agent/simulate/plan.ts'
import { apportion, seededRandom } from '../../../agent/simulate/prng.ts'

const spec = (input: Partial<FleetSpecInput> = {}) =>
  FleetSpec.parse({ brokerUrl: 'mqtt://127.0.0.1:1883', count: 100, ...input })
const summary = (plans: ReturnType<typeof planFleet>) =>
  plans.map((p) => `${p.tenantId}/${p.hostId}:${p.kind}:${p.failure ?? '-'}`)

test('the same seed gives the same fleet; another seed another one', (t) => {
  const a = planFleet(spec({ failures: { transient: 0.1 } }), seededRandom(3))
  const b = planFleet(spec({ failures: { transient: 0.1 } }), seededRandom(3))
  const c = planFleet(spec({ failures: { transient: 0.1 } }), seededRandom('another'))
  t.deepEqual(summary(a), summary(b))
  t.notDeepEqual(summary(a), summary(c))
})

test('kinds are apportioned exactly from the weights, failure classes over the capable hosts only', (t) => {
  const plans = planFleet(
    spec({
      mix: { amt: 7, ism: 2, notCapable: 1 },
      failures: { activationFails: 0.1, lmsMissing: 0.05, activationFailCode: 107 },
    }),
    seededRandom(1),
  )
  const kinds = (kind: string) => plans.filter((p) => p.kind === kind).length
  t.deepEqual([kinds('amt'), kinds('ism'), kinds('not-capable'), kinds('no-me')], [70, 20, 10, 0])
  const failing = plans.filter((p) => p.failure === 'activationFails')
  t.is(failing.length, 9) // 10% of the 90 capable hosts
  t.true(failing.every((p) => p.kind !== 'not-capable' && p.faults.activationFails === 107))
  t.is(plans.filter((p) => p.failure === 'lmsMissing' && p.faults.lmsMissing === true).length, 5)
  t.deepEqual(apportion(20, [70, 20, 10]), [14, 4, 2])
  t.deepEqual(apportion(3, [1, 1]), [2, 1])
})

test('identities: tenants round-robin, hostIdPattern, explicit assignments by index and hostId win', (t) => {
  const plans = planFleet(
    spec({
      count: 12,
      tenants: ['north', 'south'],
      hostIdPattern: 'edge-{tenantId}-{n}',
      mix: {
        amt: 0,
        ism: 1,
        assign: [
          { index: 0, kind: 'amt', faults: { activationFails: 102 } },
          { hostId: 'edge-south-02', kind: 'no-me' },
        ],
      },
    }),
    seededRandom(1),
  )
  t.like(plans[0], {
    tenantId: 'north',
    hostId: 'edge-north-01',
    kind: 'amt',
    failure: 'assigned',
    faults: { activationFails: 102 },
  })
  t.like(plans[1], { tenantId: 'south', hostId: 'edge-south-02', kind: 'no-me' })
  t.true(plans.slice(2).every((p) => p.kind === 'ism' && p.failure === null))
})

test('an explicit kind swaps with a drawn host so the apportioned counts stay exact', (t) => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const plans = planFleet(
      spec({
        count: 20,
        seed,
        mix: {
          amt: 70,
          ism: 20,
          notCapable: 10,
          assign: [
            { index: 3, kind: 'not-capable' },
            { index: 4, kind: 'ism' },
          ],
        },
      }),
      seededRandom(seed),
    )
    const kinds = (kind: string) => plans.filter((p) => p.kind === kind).length
    t.deepEqual([kinds('amt'), kinds('ism'), kinds('not-capable')], [14, 4, 2])
    t.like(plans, { 3: { kind: 'not-capable' }, 4: { kind: 'ism' } })
  }
})

test('faults assigned without a kind land on a capable host', (t) => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    const plans = planFleet(
      spec({ count: 4, mix: { amt: 1, notCapable: 3, assign: [{ index: 0, faults: { activationFails: 102 } }] } }),
      seededRandom(seed),
    )
    t.like(plans[0], { kind: 'amt', failure: 'assigned' })
    t.is(plans.filter((p) => p.kind === 'not-capable').length, 3)
  }
})

test('given hosts keep their identity, kind and faults', (t) => {
  const given = [
    { tenantId: 'demo', hostId: 'a', kind: 'ism' as const },
    { tenantId: 'demo', hostId: 'b', faults: { lmsMissing: true } },
  ]
  const plans = planFleet(spec({ count: undefined, mix: { amt: 1, ism: 0, notCapable: 0 } }), seededRandom(1), given)
  t.like(plans, [
    { hostId: 'a', kind: 'ism', failure: null },
    { hostId: 'b', kind: 'amt', failure: 'assigned', faults: { lmsMissing: true } },
  ])
})

test('the AMT UUID a host reports: the given one, else a UUID host id, else one from its index', (t) => {
  const given = [
    { tenantId: 'demo', hostId: 'a', amtUuid: '5A5A0000-0000-4000-8000-0000000186A0' },
    { tenantId: 'demo', hostId: '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0' },
    { tenantId: 'demo', hostId: 'c' },
  ]
  const plans = planFleet(spec({ count: undefined, mix: { amt: 1 } }), seededRandom(1), given)
  t.deepEqual(
    plans.map((plan) => deviceOf(plan).model.uuid),
    [
      '5a5a0000-0000-4000-8000-0000000186a0',
      '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
      '5a5a0000-0000-4000-8000-000000000002',
    ],
  )
})

test('activationFails with activationFailDelayMs: the failing share carries the code and the delay', (t) => {
  const failures = { activationFails: 0.25, activationFailCode: 71, activationFailDelayMs: 1500 }
  const plans = planFleet(spec({ count: 40, mix: { amt: 1 }, failures }), seededRandom(3))
  const failing = plans.filter((plan) => plan.failure === 'activationFails')
  t.is(failing.length, 10)
  for (const plan of failing) t.deepEqual(plan.faults, { activationFails: 71, activationFailDelayMs: 1500 })
  const noDelay = planFleet(spec({ count: 4, mix: { amt: 1 }, failures: { activationFails: 1 } }), seededRandom(3))
  for (const plan of noDelay) t.deepEqual(plan.faults, { activationFails: 102 })
})

test('a given host activated already: its device starts in that control mode with that AMT password', (t) => {
  const given = [
    { tenantId: 'demo', hostId: 'a', activated: { controlMode: 'acm' as const, password: 'Older!Pass1' } },
    { tenantId: 'demo', hostId: 'b' },
  ]
  const [activated, fresh] = planFleet(spec({ count: undefined, mix: { amt: 1 } }), seededRandom(1), given).map(
    (plan) => deviceOf(plan).model,
  )
  t.like(activated, { controlMode: 'acm', password: 'Older!Pass1', ras: { remoteStatus: 'connected' } })
  t.like(fresh, { controlMode: 'pre-provisioning', password: null })
})
