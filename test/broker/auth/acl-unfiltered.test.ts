import test from 'ava'
import { maySubscribe, maySubscribeUnfiltered } from '../../../broker/auth/acl.ts'
import type { Principal } from '../../../broker/auth/principal.ts'
import { ACTORS, CELLS, WILDCARDS, filterMatches, mayRead, type Actor } from '../support/acl-model.ts'

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
