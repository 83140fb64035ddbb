import test from 'ava'
import { mayPublish, mayRead, maySubscribe, maySubscribeUnfiltered } from '../../../broker/auth/acl.ts'
import type { Principal } from '../../../broker/auth/principal.ts'
import { buildRolloutProgressTopic } from '../../../schemas/rollout-progress.ts'

/** The rollout progress subtree in broker/auth/acl.ts: the manager publishes; it and the tenant's integrators read. */
const LEVELS = 16
const DEVICE: Principal = { id: 'h1@t1', role: 'device', tenantId: 't1', hostId: 'h1' }
const MANAGER: Principal = { id: 'amt-manager', role: 'manager' }
const INTEGRATOR: Principal = { id: 'dash', role: 'integrator', tenantId: 't1' }
const GLOBAL: Principal = { id: 'all', role: 'integrator' }
const OWN = buildRolloutProgressTopic({ tenantId: 't1', rolloutId: 'r1' })
const OTHER = buildRolloutProgressTopic({ tenantId: 't2', rolloutId: 'r1' })

test('publish: the manager only, and only well-formed progress topics', (t) => {
  t.true(mayPublish(MANAGER, OWN, LEVELS).allowed)
  for (const principal of [DEVICE, INTEGRATOR, GLOBAL])
    t.deepEqual(mayPublish(principal, OWN, LEVELS), { allowed: false, reason: 'leaf-not-allowed' }, principal.id)
  t.deepEqual(mayPublish(MANAGER, 'amt/v1/t1/_rollouts/r1/state', LEVELS), { allowed: false, reason: 'bad-topic' })
  t.deepEqual(mayPublish(MANAGER, 'amt/v1/t1/_rollouts/r1', LEVELS), { allowed: false, reason: 'bad-topic' })
  t.deepEqual(mayPublish(MANAGER, OWN, 5), { allowed: false, reason: 'too-many-levels' })
})

test('delivery: the manager, the tenant integrator for its tenant, a global integrator; never a device', (t) => {
  t.true(mayRead(MANAGER, OWN, LEVELS).allowed)
  t.true(mayRead(INTEGRATOR, OWN, LEVELS).allowed)
  t.deepEqual(mayRead(INTEGRATOR, OTHER, LEVELS), { allowed: false, reason: 'out-of-scope' })
  t.true(mayRead(GLOBAL, OTHER, LEVELS).allowed)
  t.deepEqual(mayRead(DEVICE, OWN, LEVELS), { allowed: false, reason: 'leaf-not-allowed' })
})

/** [principal, filter, granted with a delivery check (embedded broker), granted without one (EMQX, VerneMQ)] */
const SUBSCRIPTIONS: Array<[Principal, string, boolean, boolean]> = [
  [INTEGRATOR, 'amt/v1/t1/_rollouts/+/progress', true, true],
  [INTEGRATOR, 'amt/v1/t1/_rollouts/#', true, true],
  [INTEGRATOR, OWN, true, true],
  [INTEGRATOR, 'amt/v1/t1/+/+/progress', true, true],
  // Wide filters: the embedded broker grants them and filters each delivery; the others cannot.
  [INTEGRATOR, 'amt/v1/t1/#', true, false],
  [INTEGRATOR, 'amt/v1/t1/+/+/+', true, false],
  [INTEGRATOR, 'amt/v1/t2/_rollouts/+/progress', false, false],
  [INTEGRATOR, 'amt/v1/+/_rollouts/+/progress', false, false],
  [INTEGRATOR, OTHER, false, false],
  [GLOBAL, 'amt/v1/+/_rollouts/+/progress', true, true],
  [GLOBAL, 'amt/v1/#', true, false],
  // Outside amt/v1/ nothing is granted, even where the filter would match progress topics.
  [GLOBAL, '#', false, false],
  [MANAGER, '+/+/+/+/+/+', false, false],
  [MANAGER, 'amt/v1/+/_rollouts/+/progress', true, true],
  [DEVICE, 'amt/v1/t1/_rollouts/+/progress', false, false],
  [DEVICE, OWN, false, false],
  [DEVICE, 'amt/v1/t1/h1/#', true, false],
  [DEVICE, 'amt/v1/t1/+/#', false, false],
  [DEVICE, '$share/g/amt/v1/t1/_rollouts/+/progress', false, false],
  [INTEGRATOR, '$share/g/amt/v1/t1/_rollouts/+/progress', false, true],
  [INTEGRATOR, '$share/g/amt/v1/t2/_rollouts/+/progress', false, false],
]

test('subscribe: tenant scope for integrators, never devices; without a delivery check, no wider filter', (t) => {
  for (const [principal, filter, filtered, unfiltered] of SUBSCRIPTIONS) {
    t.is(maySubscribe(principal, filter, LEVELS).allowed, filtered, `${principal.id} ${filter} (delivery checked)`)
    t.is(
      maySubscribeUnfiltered(principal, filter, LEVELS).allowed,
      unfiltered,
      `${principal.id} ${filter} (unfiltered)`,
    )
  }
})
