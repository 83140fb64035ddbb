import { EventEmitter } from 'node:events'

/**
 * A stand-in for `process` as lib/service-lifecycle.ts listens on it: signals and fatal errors are emitted by the
 * test; `exit` is recorded (and resolves `exited`) instead of ending the test's process.
 */
export class FakeProcess extends EventEmitter {
  readonly exits: number[] = []
  readonly exited = new Promise<number>((resolve) => this.once('test:exit', resolve))
  exit(code: number): void {
    this.exits.push(code)
    this.emit('test:exit', code)
  }
}
