import { InvalidArgumentError } from 'commander'
import type { DeviceFaults } from '../amt/device-model.ts'
import type { Assignment, Failures, FailureClass, HostKind, Latency } from './fleet-options.ts'
import { faultsOf } from './plan.ts'

/** Parsers of the `simulate` subcommand's compact option syntax (commander argParsers: throw InvalidArgumentError). */

const pairs = (value: string): Array<[string, string]> =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const at = part.indexOf('=')
      const name = at < 0 ? part : part.slice(0, at).trim()
      const raw = at < 0 ? '' : part.slice(at + 1).trim()
      if (name === '' || raw === '') throw new InvalidArgumentError(`expected name=value, got ${JSON.stringify(part)}`)
      return [name, raw]
    })

const number = (raw: string, what: string, { min = 0, max = Infinity, integer = false } = {}): number => {
  const value = Number(raw)
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new InvalidArgumentError(
      `${what}: expected ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${JSON.stringify(raw)}`,
    )
  }
  return value
}

const MIX_KEYS: Record<string, 'amt' | 'ism' | 'notCapable' | 'noMe'> = {
  amt: 'amt',
  ism: 'ism',
  'not-capable': 'notCapable',
  none: 'notCapable',
  'no-me': 'noMe',
}

/** `amt=70,ism=20,not-capable=8,no-me=2` → weights. */
export function parseMix(value: string): Partial<Record<'amt' | 'ism' | 'notCapable' | 'noMe', number>> {
  const weights: Partial<Record<'amt' | 'ism' | 'notCapable' | 'noMe', number>> = {}
  for (const [name, raw] of pairs(value)) {
    const key = MIX_KEYS[name]
    if (!key) throw new InvalidArgumentError(`unknown kind ${JSON.stringify(name)} (amt, ism, not-capable, no-me)`)
    weights[key] = number(raw, name)
  }
  return weights
}

/** `0` | `50` (fixed ms) | `20-200` (uniform). */
export function parseLatency(value: string): Latency {
  const range = /^(\d+)-(\d+)$/.exec(value.trim())
  if (range) {
    const minMs = number(range[1] ?? '', 'latency', { integer: true })
    const maxMs = number(range[2] ?? '', 'latency', { integer: true })
    if (minMs > maxMs) throw new InvalidArgumentError('latency: min must not exceed max')
    return { kind: 'uniform', minMs, maxMs }
  }
  const ms = number(value, 'latency', { integer: true, max: 86_400_000 })
  return ms === 0 ? { kind: 'zero' } : { kind: 'fixed', ms }
}

const CLASS_NAMES: Record<string, FailureClass> = {
  transient: 'transient',
  activation: 'activationFails',
  activationFails: 'activationFails',
  lms: 'lmsMissing',
  lmsMissing: 'lmsMissing',
  stuck: 'stuckConnecting',
  stuckConnecting: 'stuckConnecting',
}

/** `transient=0.05,activation=0.01,lms=0.01,stuck=0.02` → rates of capable hosts. */
export function parseFailRates(value: string): Partial<Failures> {
  const rates: Partial<Record<FailureClass, number>> = {}
  for (const [name, raw] of pairs(value)) {
    const failure = CLASS_NAMES[name]
    if (!failure)
      throw new InvalidArgumentError(
        `unknown failure class ${JSON.stringify(name)} (transient, activation, lms, stuck)`,
      )
    rates[failure] = number(raw, name, { max: 1 })
  }
  return rates
}

const KINDS = new Set<string>(['amt', 'ism', 'not-capable', 'no-me'])

/** `<index|hostId>:<what>` with what = amt | ism | not-capable | no-me | transient | activation[=code] | lms | stuck. Repeatable. */
export function parseAssignment(value: string, previous: Assignment[] = []): Assignment[] {
  const at = value.lastIndexOf(':')
  const who = value.slice(0, at).trim()
  const [what = '', code] = value
    .slice(at + 1)
    .trim()
    .split('=', 2)
  if (at <= 0 || what === '')
    throw new InvalidArgumentError(`expected <index|hostId>:<kind or failure>, got ${JSON.stringify(value)}`)
  const target = /^\d+$/.test(who) ? { index: Number(who) } : { hostId: who }
  if (KINDS.has(what)) return [...previous, { ...target, kind: what as HostKind }]
  const failure = CLASS_NAMES[what]
  if (!failure) throw new InvalidArgumentError(`unknown kind or failure ${JSON.stringify(what)}`)
  const faults: DeviceFaults = faultsOf(
    failure,
    code === undefined ? 102 : number(code, 'exit code', { min: 1, max: 255, integer: true }),
  )
  return [...previous, { ...target, faults }] // no kind: lands on a capable host, the mix stays exact
}

/** `a,b,c` → tenant ids; `3` → a count. */
export function parseTenants(value: string): number | string[] {
  if (/^\d+$/.test(value.trim())) return number(value, 'tenants', { min: 1, integer: true })
  return value
    .split(',')
    .map((tenant) => tenant.trim())
    .filter((tenant) => tenant !== '')
}

/** `retryBaseMs=100,stuckConnectingMs=1000,rpsUrl=wss://...` → agent tuning (checked by the fleet's schema). */
export function parseTuning(value: string): Record<string, number | string> {
  return Object.fromEntries(pairs(value).map(([name, raw]) => [name, /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw]))
}

export function parsePositive(value: string): number {
  return number(value, 'value', { min: 0 })
}
