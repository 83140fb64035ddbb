import test from 'ava'
import { maySubscribe, maySubscribeUnfiltered } from '../../../broker/auth/acl.ts'
import type { Principal } from '../../../broker/auth/principal.ts'
import { ACTORS, CELLS, WILDCARDS, filterMatches, mayRead, type Actor } from '../support/acl-model.ts'
import { buildProbeTopic } from '../../../schemas/probe.ts'

/** The actors of the ACL model (test/broker/support/acl-model.ts) as principals. */
const PRINCIPALS: Record<Actor, Principal> = {
  device: { id: 'h1@t1', role: 'device', tenantId: 't1', hostId: 'h1' },
  manager: { id: 'amt-manager', role: 'manager' },
  tenantIntegrator: { id: 'dash', role: 'integrator', tenantId: 't1' },
  globalIntegrator: { id: 'all', role: 'integrator' },
}
const FILTERS = [...WILDCARDS.map(([filter]) => filter), ...CELLS.map((cell) => cell.topic)]

test('without a delivery check, a filter is granted only when everything it matches is readable', (t) => {
  for (const actor of ACTORS) {
    for (const filter of FILTERS) {
      const granted = maySubscribeUnfiltered(PRINCIPALS[actor], filter, 16).allowed
      const matched = CELLS.filter((cell) => filterMatches(filter, cell.address))
      const readable = matched.every((cell) => mayRead(actor, cell.relation, cell.leaf))
      const expected = maySubscribe(PRINCIPALS[actor], filter, 16).allowed && readable
      t.is(granted, expected, `${actor} ${filter}`)
    }
  }
})

test('the difference from the broker with its delivery check: wide filters that also match unreadable leaves', (t) => {
  const cases: Array<[Actor, string]> = [
    ['device', 'amt/v1/t1/h1/#'],
    ['tenantIntegrator', 'amt/v1/t1/h1/+'],
    ['globalIntegrator', 'amt/v1/#'],
  ]
  for (const [actor, filter] of cases) {
    t.true(maySubscribe(PRINCIPALS[actor], filter, 16).allowed, `${actor} ${filter}: granted with delivery checks`)
    t.deepEqual(maySubscribeUnfiltered(PRINCIPALS[actor], filter, 16), { allowed: false, reason: 'unreadable-leaf' })
  }
  t.true(maySubscribeUnfiltered(PRINCIPALS.manager, 'amt/v1/#', 16).allowed)
})

test("a shared subscription is judged by its filter; the probe topic is the manager's alone", (t) => {
  const { manager, tenantIntegrator, device } = PRINCIPALS
  t.true(maySubscribeUnfiltered(manager, '$share/amt/amt/v1/+/+/state', 16).allowed)
  t.true(maySubscribeUnfiltered(tenantIntegrator, '$share/dash/amt/v1/t1/+/status', 16).allowed)
  t.deepEqual(maySubscribeUnfiltered(tenantIntegrator, '$share/dash/amt/v1/t1/#', 16), {
    allowed: false,
    reason: 'unreadable-leaf',
  })
  t.deepEqual(maySubscribeUnfiltered(device, '$share/g/#', 16), { allowed: false, reason: 'outside-tree' })
  t.deepEqual(maySubscribeUnfiltered(device, '$share//amt/v1/t1/h1/desired', 16), {
    allowed: false,
    reason: 'reserved-topic',
  })
  const probe = buildProbeTopic({ instanceId: 'replica-1', leaf: 'state' })
  t.true(maySubscribeUnfiltered(manager, `$share/amt-probe-replica-1/${probe}`, 16).allowed)
  t.true(maySubscribeUnfiltered(manager, probe, 16).allowed)
  for (const actor of [tenantIntegrator, device, PRINCIPALS.globalIntegrator])
    t.deepEqual(maySubscribeUnfiltered(actor, probe, 16), { allowed: false, reason: 'manager-only' })
})
