import test from 'ava'
import { demoHosts } from '../../../manager/demo/fleet-plan.ts'
import { isPlaceholderId } from '../../../schemas/index.ts'

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

test('demo hosts are named sim-01.. and get random UUIDs as host ids (no placeholder, no repeat)', (t) => {
  const plan = demoHosts(12)
  t.deepEqual(
    plan.slice(0, 2).map(({ name }) => name),
    ['sim-01', 'sim-02'],
  )
  t.is(plan.at(-1)?.name, 'sim-12')
  for (const { hostId } of plan) {
    t.regex(hostId, UUID_V4)
    t.false(isPlaceholderId(hostId))
  }
  t.is(new Set(plan.map(({ hostId }) => hostId)).size, plan.length)
  t.notDeepEqual(
    demoHosts(12).map(({ hostId }) => hostId),
    plan.map(({ hostId }) => hostId),
    'random, not derived from the name',
  )
})

test('a re-run keeps the ids of the hosts it knows by name; new names get new ids', (t) => {
  const first = demoHosts(2)
  const known = new Map(first.map(({ name, hostId }) => [name, hostId]))
  const second = demoHosts(3, known)
  t.deepEqual(
    second.slice(0, 2).map(({ hostId }) => hostId),
    first.map(({ hostId }) => hostId),
  )
  t.false(first.some(({ hostId }) => hostId === second[2]?.hostId))
})
