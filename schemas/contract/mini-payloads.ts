import type { z } from 'zod'
import { AmtinfoField } from '../messages/capability.ts'
import { RasRemoteStatus } from '../enums.ts'
import { HostId, TenantId } from '../ids.ts'
import { PAYLOADS } from '../messages/index.ts'
import type { Leaf } from '../topics.ts'
import { withinEventFacts } from '../wire-rules.ts'
import { GENERATED_NOTE } from './json-schemas.ts'

/**
 * The agent's lean parser, generated from the contract's zod schemas (`npm run contract:generate`): the same
 * schemas written with `zod/mini` (tree-shakable; no descriptions), so the agent's bundle holds no classic zod
 * (docs/benchmarks.md, agent memory). Every def the contract uses is translated; anything else throws, so a new
 * construct in the contract fails generation instead of being dropped. test/schemas/mini-payloads.test.ts proves
 * both parsers accept and reject the same payloads.
 */
export const MINI_PAYLOADS_PATH = 'schemas/mini/payloads.ts'

/** The leaves the agent parses (publishes or receives): every leaf but the manager's `status`. */
const AGENT_LEAVES = [
  'presence',
  'capability',
  'state',
  'events',
  'desired',
  'secret/req',
  'secret/res',
] as const satisfies readonly Leaf[]

/** Schemas the agent uses beside the payloads (config and rpc output), exported by name. */
const NAMED = { HostId, TenantId, RasRemoteStatus, AmtinfoField } as const

/** Functions of `.refine` checks, by identity: each must live in a module without zod (wire-rules.ts). */
const REFINEMENTS = new Map<unknown, string>([[withinEventFacts, 'withinEventFacts']])

type Def = z.core.$ZodTypeDef & Record<string, unknown>
type CheckDef = z.core.$ZodCheckDef & Record<string, unknown>

export function generateMiniPayloads(): string {
  const payloads = AGENT_LEAVES.map((leaf) => `  '${leaf}': ${emit(PAYLOADS[leaf])},`)
  const named = Object.entries(NAMED).map(([name, schema]) => `export const ${name} = ${emit(schema)}\n`)
  return [
    `// ${GENERATED_NOTE} (schemas/contract/mini-payloads.ts)`,
    "import * as z from 'zod/mini'",
    "import './english.ts'",
    `import { ${[...REFINEMENTS.values()].join(', ')} } from '../wire-rules.ts'`,
    '',
    '/** The payload schema of every leaf the agent parses, as in messages/index.ts PAYLOADS. */',
    'export const AGENT_PAYLOADS = {',
    ...payloads,
    '}',
    '',
    ...named,
  ].join('\n')
}

function emit(schema: z.core.$ZodType): string {
  const def = schema._zod.def as Def
  const params = errorParams(def)
  const base = emitType(def, params)
  const checks = (def.checks ?? []).map((check) => emitCheck(check._zod.def as CheckDef))
  return checks.length === 0 ? base : `${base}.check(${checks.join(', ')})`
}

function emitType(def: Def, params: string): string {
  const inner = (key: string): string => emit(def[key] as z.core.$ZodType)
  const list = (key: string): string => (def[key] as z.core.$ZodType[]).map(emit).join(', ')
  switch (def.type) {
    case 'string':
      return emitString(def, params)
    case 'number':
      if (def.format === 'safeint') return `z.int(${params})`
      if (def.format === undefined) return `z.number(${params})`
      break
    case 'boolean':
      return `z.boolean(${params})`
    case 'null':
      return `z.null(${params})`
    case 'literal': {
      const values = def.values as unknown[]
      return `z.literal(${JSON.stringify(values.length === 1 ? values[0] : values)}${withComma(params)})`
    }
    case 'enum':
      return `z.enum(${JSON.stringify(Object.values(def.entries as object))}${withComma(params)})`
    case 'optional':
      return `z.optional(${inner('innerType')})`
    case 'nullable':
      return `z.nullable(${inner('innerType')})`
    case 'array':
      return `z.array(${inner('element')}${withComma(params)})`
    case 'record':
      return `z.record(${inner('keyType')}, ${inner('valueType')}${withComma(params)})`
    case 'object':
      return emitObject(def, params)
    case 'union':
      if (typeof def.discriminator === 'string')
        return `z.discriminatedUnion(${JSON.stringify(def.discriminator)}, [${list('options')}]${withComma(params)})`
      if (def.inclusive !== false) return `z.union([${list('options')}]${withComma(params)})`
      break
  }
  throw new Error(`mini-payloads: no translation for a ${def.type} schema (${JSON.stringify(def.format)})`)
}

function emitString(def: Def, params: string): string {
  const options: string[] = []
  if (params !== '') options.push(params.slice(2, -2))
  switch (def.format) {
    case undefined:
      return `z.string(${params})`
    case 'uuid':
      if (def.version !== undefined) break
      return `z.uuid(${params})`
    case 'url':
      if (def.hostname !== undefined || def.normalize !== undefined) break
      if (def.protocol instanceof RegExp) options.push(`protocol: ${String(def.protocol)}`)
      return `z.url(${braces(options)})`
    case 'datetime':
      for (const key of ['offset', 'local', 'precision']) {
        if (def[key] !== undefined && def[key] !== null) options.push(`${key}: ${JSON.stringify(def[key])}`)
      }
      return `z.iso.datetime(${braces(options)})`
  }
  throw new Error(`mini-payloads: no translation for the string format ${JSON.stringify(def.format)}`)
}

function emitObject(def: Def, params: string): string {
  const shape = Object.entries(def.shape as Record<string, z.core.$ZodType>)
    .map(([key, value]) => `${JSON.stringify(key)}: ${emit(value)}`)
    .join(', ')
  const catchall = (def.catchall as z.core.$ZodType | undefined)?._zod.def.type
  if (catchall === 'never') return `z.strictObject({ ${shape} }${withComma(params)})`
  if (catchall === undefined) return `z.object({ ${shape} }${withComma(params)})`
  throw new Error(`mini-payloads: no translation for an object with a ${catchall} catchall`)
}

function emitCheck(def: CheckDef): string {
  const params = errorParams(def)
  const bound = (name: string, key: string): string => `z.${name}(${JSON.stringify(def[key])}${withComma(params)})`
  switch (def.check) {
    case 'min_length':
      return bound('minLength', 'minimum')
    case 'max_length':
      return bound('maxLength', 'maximum')
    case 'greater_than':
      return bound(def.inclusive === true ? 'gte' : 'gt', 'value')
    case 'less_than':
      return bound(def.inclusive === true ? 'lte' : 'lt', 'value')
    case 'string_format':
      if (def.format === 'regex') return `z.regex(${String(def.pattern)}${withComma(params)})`
      break
    case 'custom': {
      const name = REFINEMENTS.get(def.fn)
      if (name === undefined) throw new Error('mini-payloads: a refinement outside REFINEMENTS (wire-rules.ts)')
      return `z.refine(${name}${withComma(params)})`
    }
  }
  throw new Error(`mini-payloads: no translation for the check ${def.check} (${JSON.stringify(def.format)})`)
}

/** A custom message (`{ message }` in the contract) as mini's `{ error }` parameter, else ''. */
function errorParams(def: { error?: unknown; abort?: unknown }): string {
  if (def.abort === true) throw new Error('mini-payloads: no translation for abort')
  if (def.error === undefined) return ''
  const message: unknown = typeof def.error === 'function' ? (def.error as () => unknown)() : undefined
  if (typeof message !== 'string') throw new Error('mini-payloads: only constant error messages translate')
  return `{ error: ${JSON.stringify(message)} }`
}

const withComma = (params: string): string => (params === '' ? '' : `, ${params}`)
const braces = (options: string[]): string => (options.length === 0 ? '' : `{ ${options.join(', ')} }`)
