import test from 'ava'
import {
  parseAssignment,
  parseFailRates,
  parseLatency,
  parseMix,
  parseTenants,
  parseTuning,
} from '../../../agent/simulate/cli-options.ts'
import { createFleet, FleetConfigError } from '../../../agent/simulate/index.ts'

const credentials = () => ({ username: 'u', password: 'p' })

test('invalid fleet options throw FleetConfigError listing every problem', (t) => {
  const error = t.throws(
    () =>
      createFleet({
        brokerUrl: 'http://nope',
        credentials,
        failures: { transient: 0.8, activationFails: 0.5 },
        latency: { kind: 'uniform', minMs: 10, maxMs: 1 },
        agent: { retryBaseMs: 5000, retryMaxMs: 100 },
      }),
    { instanceOf: FleetConfigError },
  )
  const text = error?.problems.join('\n') ?? ''
  for (const expected of [/failures: failure rates must add up to at most 1/, /latency: minMs must not exceed maxMs/])
    t.regex(text, expected)

  const second = t.throws(
    () => createFleet({ brokerUrl: 'http://nope', credentials, agent: { retryBaseMs: 5000, retryMaxMs: 100 } }),
    { instanceOf: FleetConfigError },
  )
  const secondText = second?.problems.join('\n') ?? ''
  for (const expected of [
    /count: required/,
    /agent config: broker\.url: must be an mqtt/,
    /agent config: reconcile\.retryBaseMs/,
  ])
    t.regex(secondText, expected)
})

test('host identities are checked: invalid ids and duplicates from the pattern, bad entries of a host list', (t) => {
  const duplicate = t.throws(
    () => createFleet({ brokerUrl: 'mqtt://127.0.0.1:1', count: 3, hostIdPattern: 'same', credentials }),
    { instanceOf: FleetConfigError },
  )
  t.regex(duplicate?.problems.join('\n') ?? '', /duplicate host tenant-1\/same/)
  const invalid = t.throws(
    () => createFleet({ brokerUrl: 'mqtt://127.0.0.1:1', count: 1, hostIdPattern: 'a/{n}', credentials }),
    { instanceOf: FleetConfigError },
  )
  t.regex(invalid?.problems.join('\n') ?? '', /not a valid id/)
  const listed = t.throws(
    () =>
      createFleet({
        brokerUrl: 'mqtt://127.0.0.1:1',
        hosts: [{ tenantId: 'a+b', hostId: 'h', username: 'u', password: 'secret-value' }],
      }),
    {
      instanceOf: FleetConfigError,
    },
  )
  t.regex(listed?.problems.join('\n') ?? '', /hosts\.0\.tenantId/)
  t.false(listed?.message.includes('secret-value'), 'a password is never echoed')
})

test('a valid fleet is planned before start, reproducibly', (t) => {
  const options = {
    brokerUrl: 'mqtt://127.0.0.1:1',
    count: 20,
    seed: 'demo',
    credentials,
    mix: { assign: [{ index: 0, faults: { activationFails: 102 } }] },
  }
  const a = createFleet(options)
  const b = createFleet(options)
  t.deepEqual(a.plan, b.plan)
  t.like(a.plan[0], { failure: 'assigned', faults: { activationFails: 102 } })
  t.true(a.plan[0]?.kind === 'amt' || a.plan[0]?.kind === 'ism', 'faults land on a capable host')
  t.deepEqual(
    ['amt', 'ism', 'not-capable'].map((kind) => a.plan.filter((host) => host.kind === kind).length),
    [14, 4, 2],
  )
  t.like(a.progress(), { total: 20, started: 0, settled: 0, allSettled: false, phases: { PENDING: 20 } })
})

test('CLI option syntax', (t) => {
  t.deepEqual(parseMix('amt=70, ism=20,not-capable=8,no-me=2'), { amt: 70, ism: 20, notCapable: 8, noMe: 2 })
  t.deepEqual(parseLatency('0'), { kind: 'zero' })
  t.deepEqual(parseLatency('50'), { kind: 'fixed', ms: 50 })
  t.deepEqual(parseLatency('20-200'), { kind: 'uniform', minMs: 20, maxMs: 200 })
  t.deepEqual(parseFailRates('transient=0.05,activation=0.01,lms=0.01,stuck=0.02'), {
    transient: 0.05,
    activationFails: 0.01,
    lmsMissing: 0.01,
    stuckConnecting: 0.02,
  })
  t.deepEqual(parseAssignment('sim-07:no-me', parseAssignment('0:activation=107')), [
    { index: 0, faults: { activationFails: 107 } },
    { hostId: 'sim-07', kind: 'no-me' },
  ])
  t.deepEqual(parseTenants('3'), 3)
  t.deepEqual(parseTenants('north,south'), ['north', 'south'])
  t.deepEqual(parseTuning('retryBaseMs=100,rpsUrl=wss://rps.example.com/a?x=1'), {
    retryBaseMs: 100,
    rpsUrl: 'wss://rps.example.com/a?x=1',
  })
  for (const bad of [
    () => parseMix('amt'),
    () => parseMix('quantum=1'),
    () => parseLatency('-3'),
    () => parseFailRates('transient=2'),
    () => parseAssignment('0:explode'),
  ])
    t.throws(bad)
})
