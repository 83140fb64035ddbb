import { inspect } from 'node:util'

/**
 * A secret held in memory. It prints as `[redacted]` in logs, JSON, string templates and util.inspect, so a
 * config or error object that carries it can never leak it by accident; `reveal()` is the one explicit way out.
 */
export class SecretValue {
  readonly #value: string

  constructor(value: string) {
    this.#value = value
  }

  reveal(): string {
    return this.#value
  }

  toString(): string {
    return '[redacted]'
  }

  toJSON(): string {
    return '[redacted]'
  }

  [inspect.custom](): string {
    return '[redacted]'
  }
}
