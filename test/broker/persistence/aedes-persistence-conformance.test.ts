/**
 * aedes-persistence's own conformance suite (abstract.js: retained messages, subscriptions, the outgoing and
 * incoming queues, wills), run against IndexedMemoryPersistence as the aedes-persistence README asks of every
 * persistence. The suite is written for node:test; `runOnAva` gives each of its tests the context it expects.
 */
import assert from 'node:assert'
import test, { type ExecutionContext } from 'ava'
import abstractPersistence, { type SuiteContext } from 'aedes-persistence/abstract.js'
import { IndexedMemoryPersistence } from '../../../broker/persistence/indexed-memory-persistence.ts'

/**
 * node:test's context on top of ava's: each assertion is node:assert's (the suite's semantics, loose deepEqual
 * included), and one that holds is counted by ava, so the suite's `t.plan(n)` is checked by ava's plan. A test
 * without a plan passes when it completes without throwing (ava wants one assertion for that).
 */
async function runOnAva(t: ExecutionContext, run: (context: SuiteContext) => Promise<void>): Promise<void> {
  const counted =
    <A extends unknown[]>(check: (...args: A) => void) =>
    (...args: A): void => {
      check(...args)
      t.pass()
    }
  let planned = false
  await run({
    plan: (count) => {
      planned = true
      t.plan(count)
    },
    diagnostic: () => undefined, // progress notes ('instance created'), not results
    assert: {
      equal: counted(assert.equal),
      notEqual: counted(assert.notEqual),
      deepEqual: counted(assert.deepEqual),
      ok: counted(assert.ok),
    },
  })
  if (!planned) t.pass('completed without throwing')
}

abstractPersistence({
  test: (name, run) => test(name, (t) => runOnAva(t, run)),
  persistence: () => new IndexedMemoryPersistence(),
  testAsync: true,
})
