import { readdirSync, readFileSync } from 'node:fs'
import test from 'ava'
import YAML from 'yaml'
import type { z } from 'zod'
import { channelAddress, MQTT_BINDING_VERSION, operationAction, operationId } from '../../schemas/contract/asyncapi.ts'
import {
  ASYNCAPI_PATH,
  generateContractFiles,
  readPackageInfo,
  REPO_ROOT,
  SCHEMAS_DIR,
} from '../../schemas/contract/contract-files.ts'
import { LEAF_DOCS, leafSlug, schemaFilePath } from '../../schemas/contract/leaf-docs.ts'
import { ROLLOUT_PROGRESS_SCHEMA_PATH } from '../../schemas/contract/rollout-contract.ts'
import { PAYLOADS } from '../../schemas/messages/index.ts'
import { RolloutProgressPayload } from '../../schemas/rollout-progress.ts'
import { LEAF_RULES, LEAVES } from '../../schemas/topics.ts'

type Json = { [key: string]: unknown }
const REGENERATE = 'run `npm run contract:generate` and commit the result'

const generated = generateContractFiles()
const readCommitted = (path: string): string | undefined => {
  try {
    return readFileSync(new URL(path, REPO_ROOT), 'utf8')
  } catch {
    return undefined
  }
}
const asyncapi = YAML.parse(generated[ASYNCAPI_PATH] ?? '') as Json

test('committed contract docs are what the schemas generate', (t) => {
  for (const [path, content] of Object.entries(generated)) {
    const committed = readCommitted(path)
    t.not(committed, undefined, `${path} is missing: ${REGENERATE}`)
    if (committed !== undefined)
      t.true(
        committed === content,
        `${path} differs from what schemas/ generates (${firstDifference(committed, content)}): ${REGENERATE}`,
      )
  }
})

function firstDifference(committed: string, generated: string): string {
  const a = committed.split('\n')
  const b = generated.split('\n')
  const line = a.findIndex((text, i) => text !== b[i])
  const at = line === -1 ? a.length : line
  return `line ${at + 1}: committed ${JSON.stringify(a[at]?.slice(0, 80))}, generated ${JSON.stringify(b[at]?.slice(0, 80))}`
}

test('docs/schemas holds no stale schema files', (t) => {
  const onDisk = readdirSync(new URL(`${SCHEMAS_DIR}/`, REPO_ROOT)).map((name) => `${SCHEMAS_DIR}/${name}`)
  t.deepEqual(onDisk.sort(), [...LEAVES.map(schemaFilePath), ROLLOUT_PROGRESS_SCHEMA_PATH].sort(), REGENERATE)
})

test('generation is deterministic', (t) => {
  t.deepEqual(generateContractFiles(), generated)
})

test('one JSON Schema per leaf: draft 2020-12, $id, title, same properties as the zod schema', (t) => {
  for (const leaf of LEAVES) {
    const schema = JSON.parse(generated[schemaFilePath(leaf)] ?? '{}') as Json
    t.is(schema.$schema, 'https://json-schema.org/draft/2020-12/schema')
    t.is(schema.$id, `urn:amt-fleet:schema:v1:${leafSlug(leaf)}`)
    t.is(schema.title, LEAF_DOCS[leaf].title)
    const branches = (schema.oneOf as Json[] | undefined) ?? [schema]
    const zodBranches = zodObjectShapes(PAYLOADS[leaf])
    t.is(branches.length, zodBranches.length, leaf)
    branches.forEach((branch, i) => {
      t.is(branch.additionalProperties, false, `${leaf}: unknown keys must be rejected`)
      t.deepEqual(Object.keys(branch.properties as Json), zodBranches[i], leaf)
    })
  }
  const desired = JSON.parse(generated[schemaFilePath('desired')] ?? '{}') as { properties: Json }
  t.false(Object.keys(desired.properties).some((key) => /password|secret/i.test(key)))
})

/** Property names of a zod object, or of each option of a discriminated union. */
function zodObjectShapes(schema: z.ZodType): string[][] {
  const def = schema.def as { type: string; shape?: Json; options?: z.ZodType[] }
  if (def.type === 'object' && def.shape) return [Object.keys(def.shape)]
  if (def.type === 'union' && def.options) return def.options.flatMap(zodObjectShapes)
  throw new Error(`unexpected zod type ${def.type}`)
}

test('asyncapi: header, servers and security schemes', (t) => {
  t.is(asyncapi.asyncapi, '3.0.0')
  const info = asyncapi.info as Json
  t.is(info.version, readPackageInfo().version)
  t.truthy(info.title)
  t.regex(String(info.description), /manager side/)
  const servers = asyncapi.servers as Record<string, Json>
  t.deepEqual(Object.keys(servers), ['mqtt', 'mqtts', 'ws'])
  t.deepEqual(
    Object.values(servers).map((server) => server.protocol),
    ['mqtt', 'secure-mqtt', 'ws'],
  )
  const schemes = (asyncapi.components as Json).securitySchemes as Record<string, Json>
  t.is(schemes.userPassword?.type, 'userPassword')
  t.is(schemes.X509?.type, 'X509')
  t.deepEqual(servers.mqtts?.security, [
    { $ref: '#/components/securitySchemes/userPassword' },
    { $ref: '#/components/securitySchemes/X509' },
  ])
})

test('asyncapi: every leaf has a channel, a message and an operation with bindings from LEAF_RULES', (t) => {
  const channels = asyncapi.channels as Record<string, Json>
  const operations = asyncapi.operations as Record<string, Json>
  t.is(Object.keys(channels).length, LEAVES.length + 1, 'the leaves and the rollout progress')
  t.is(Object.keys(operations).length, LEAVES.length + 1)
  for (const leaf of LEAVES) {
    const slug = leafSlug(leaf)
    const channel = channels[slug]
    if (!channel) return t.fail(`no channel for ${leaf}`)
    t.is(channel.address, `amt/v1/{tenantId}/{hostId}/${leaf}`)
    t.is(channel.address, channelAddress(leaf))
    t.deepEqual(Object.keys(channel.parameters as Json), ['tenantId', 'hostId'])
    const operation = operations[operationId(leaf)]
    if (!operation) return t.fail(`no operation for ${leaf}`)
    t.is(operation.action, LEAF_RULES[leaf].from === 'agent' ? 'receive' : 'send', leaf)
    t.is(operation.action, operationAction(leaf))
    t.deepEqual(operation.channel, { $ref: `#/channels/${slug}` })
    t.deepEqual(operation.bindings, {
      mqtt: { qos: LEAF_RULES[leaf].qos, retain: LEAF_RULES[leaf].retained, bindingVersion: MQTT_BINDING_VERSION },
    })
    const messages = operation.messages as { $ref: string }[]
    t.true(messages.length > 0 && messages.every((ref) => ref.$ref.startsWith(`#/channels/${slug}/messages/`)), leaf)
    const message = resolve(asyncapi, `#/components/messages/${slug}`)
    t.is(message.contentType, 'application/json')
    t.deepEqual(message.payload, { $ref: `#/components/schemas/${LEAF_DOCS[leaf].title}` })
  }
})

test('asyncapi: the rollout progress channel (tenant level, not a host leaf), sent retained at QoS 1', (t) => {
  const channel = (asyncapi.channels as Record<string, Json>)['rollout-progress']
  if (!channel) return t.fail('no rollout-progress channel')
  t.is(channel.address, 'amt/v1/{tenantId}/_rollouts/{rolloutId}/progress')
  t.deepEqual(Object.keys(channel.parameters as Json), ['tenantId', 'rolloutId'])
  const operation = (asyncapi.operations as Record<string, Json>).sendRolloutProgress
  t.like(operation, { action: 'send', channel: { $ref: '#/channels/rollout-progress' } })
  t.deepEqual(operation?.bindings, { mqtt: { qos: 1, retain: true, bindingVersion: MQTT_BINDING_VERSION } })
  const message = resolve(asyncapi, '#/components/messages/rollout-progress') as { examples: { payload: unknown }[] }
  t.true(message.examples.length > 0)
  for (const { payload } of message.examples) t.true(RolloutProgressPayload.safeParse(payload).success)
  const schema = JSON.parse(generated[ROLLOUT_PROGRESS_SCHEMA_PATH] ?? '{}') as Json
  t.is(schema.$id, 'urn:amt-fleet:schema:v1:rollout-progress')
  t.is(schema.additionalProperties, false)
  t.deepEqual(Object.keys(schema.properties as Json), Object.keys(RolloutProgressPayload.shape))
})

test('asyncapi: message examples are valid payloads', (t) => {
  const messages = (asyncapi.components as Json).messages as Record<string, { examples: { payload: unknown }[] }>
  for (const leaf of LEAVES) {
    const examples = messages[leafSlug(leaf)]?.examples ?? []
    t.true(examples.length > 0, leaf)
    for (const { payload } of examples) t.true(PAYLOADS[leaf].safeParse(payload).success, leaf)
  }
})

test('asyncapi: every $ref resolves inside the document', (t) => {
  const refs = collectRefs(asyncapi)
  t.true(refs.length > 40)
  for (const ref of refs) t.notThrows(() => resolve(asyncapi, ref), ref)
})

test('asyncapi: YAML parsers of either version read the same strings (no bare timestamps)', (t) => {
  const yaml = generated[ASYNCAPI_PATH] ?? ''
  t.deepEqual(YAML.parse(yaml, { version: '1.1' }), asyncapi)
  t.false(yaml.includes('&'), 'no anchors or aliases')
})

function collectRefs(node: unknown, refs: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) collectRefs(item, refs)
  else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') refs.push(value)
      else collectRefs(value, refs)
    }
  }
  return refs
}

function resolve(document: Json, ref: string): Json {
  if (!ref.startsWith('#/')) throw new Error(`external ref ${ref}`)
  let node: unknown = document
  for (const token of ref.slice(2).split('/')) {
    const key = token.replaceAll('~1', '/').replaceAll('~0', '~')
    if (typeof node !== 'object' || node === null || !(key in node)) throw new Error(`unresolved ${ref}`)
    node = (node as Json)[key]
  }
  if (typeof node !== 'object' || node === null) throw new Error(`${ref} is not an object`)
  return node as Json
}
