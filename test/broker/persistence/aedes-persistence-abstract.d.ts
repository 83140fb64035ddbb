/** Types for aedes-persistence's conformance suite (abstract.js, written for node:test; the package types none). */
declare module 'aedes-persistence/abstract.js' {
  import type assert from 'node:assert'
  type NodeAssert = typeof assert

  /** The part of node:test's TestContext the suite uses. */
  export interface SuiteContext {
    plan(count: number): void
    diagnostic(message: string): void
    assert: Pick<NodeAssert, 'equal' | 'notEqual' | 'deepEqual' | 'ok'>
  }

  export interface SuiteOptions {
    test(name: string, run: (t: SuiteContext) => Promise<void>): void
    /** Builds a fresh instance per test. */
    persistence(): unknown
    /** The instance is an async persistence (aedes 1.x): `setup(broker)` is awaited, no callback wrapper. */
    testAsync?: boolean
  }

  export default function abstractPersistence(options: SuiteOptions): void
}
