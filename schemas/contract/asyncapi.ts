import { ID_RULE } from '../ids.ts'
import { LEAF_RULES, LEAVES, TOPIC_ROOT, type Leaf } from '../topics.ts'
import { SECURITY_SCHEMES, SERVERS } from './asyncapi-servers.ts'
import { EXAMPLE_HOST_ID, EXAMPLE_TENANT_ID, EXAMPLES } from './examples.ts'
import { payloadJsonSchema, type JsonObject } from './json-schemas.ts'
import { LEAF_DOCS, leafSlug } from './leaf-docs.ts'
import {
  ROLLOUT_ID_PARAMETER,
  ROLLOUT_PROGRESS_BINDING,
  ROLLOUT_PROGRESS_CHANNEL,
  ROLLOUT_PROGRESS_MESSAGE,
  ROLLOUT_PROGRESS_OPERATION,
  ROLLOUT_PROGRESS_SCHEMA_NAME,
  ROLLOUT_PROGRESS_SLUG,
  rolloutProgressJsonSchema,
} from './rollout-contract.ts'

/** AsyncAPI version of the generated document, and the version of the MQTT bindings it uses. */
const ASYNCAPI_VERSION = '3.0.0'
export const MQTT_BINDING_VERSION = '0.2.0'

/**
 * The document describes the manager side (the manager and its broker): leaves published by agents are
 * `receive` operations, leaves published by the manager are `send` operations.
 */
export function operationAction(leaf: Leaf): 'send' | 'receive' {
  return LEAF_RULES[leaf].from === 'manager' ? 'send' : 'receive'
}

/** `receive` + `secret/req` → `receiveSecretReq`. */
export function operationId(leaf: Leaf): string {
  const words = leafSlug(leaf).split('-')
  return operationAction(leaf) + words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('')
}

export function channelAddress(leaf: Leaf): string {
  return `${TOPIC_ROOT}/{tenantId}/{hostId}/${leaf}`
}

export interface AsyncApiInput {
  /** Version of the contract (package.json version). */
  version: string
  license: string
}

export function buildAsyncApi({ version, license }: AsyncApiInput): JsonObject {
  return {
    asyncapi: ASYNCAPI_VERSION,
    info: {
      title: 'AMT fleet activation: MQTT contract',
      version,
      description: INFO_DESCRIPTION,
      license: { name: license },
    },
    defaultContentType: 'application/json',
    servers: SERVERS,
    channels: {
      ...Object.fromEntries(LEAVES.map((leaf) => [leafSlug(leaf), channel(leaf)])),
      [ROLLOUT_PROGRESS_SLUG]: ROLLOUT_PROGRESS_CHANNEL,
    },
    operations: {
      ...Object.fromEntries(LEAVES.map((leaf) => [operationId(leaf), operation(leaf)])),
      [rolloutOperationId]: { ...rolloutOperation, bindings: { mqtt: mqttBinding(ROLLOUT_PROGRESS_BINDING) } },
    },
    components: {
      schemas: {
        ...Object.fromEntries(LEAVES.map((leaf) => [LEAF_DOCS[leaf].title, payloadJsonSchema(leaf, 'draft-7')])),
        [ROLLOUT_PROGRESS_SCHEMA_NAME]: rolloutProgressJsonSchema('draft-7'),
      },
      messages: {
        ...Object.fromEntries(LEAVES.map((leaf) => [leafSlug(leaf), message(leaf)])),
        [ROLLOUT_PROGRESS_SLUG]: ROLLOUT_PROGRESS_MESSAGE,
      },
      parameters: { ...PARAMETERS, rolloutId: ROLLOUT_ID_PARAMETER },
      securitySchemes: SECURITY_SCHEMES,
    },
  }
}

const [rolloutOperationId, rolloutOperation] = ROLLOUT_PROGRESS_OPERATION

function mqttBinding({ qos, retain }: { qos: 0 | 1; retain: boolean }): JsonObject {
  return { qos, retain, bindingVersion: MQTT_BINDING_VERSION }
}

const INFO_DESCRIPTION = `Intel AMT activation across edge fleets: the MQTT contract between the agent on each edge node and the manager.

**Point of view.** This document describes the manager side (the manager and its broker). Leaves published by
agents (\`presence\`, \`capability\`, \`state\`, \`events\`, \`secret/req\`) are \`receive\` operations; leaves published
by the manager (\`desired\`, \`secret/res\`, \`status\`) are \`send\` operations. An agent does the opposite.
Integrators have read-only access to \`status\`, \`capability\`, \`presence\` and \`events\`, and to the progress of
their tenant's rollouts (\`${TOPIC_ROOT}/{tenantId}/_rollouts/{rolloutId}/progress\`, a \`send\` operation too).

**Topics.** \`${TOPIC_ROOT}/{tenantId}/{hostId}/{leaf}\`. A device may publish only under its own prefix and subscribe
only to its own \`desired\` and \`secret/res\`. QoS and the retain flag of each leaf are in the operation's \`mqtt\` binding.

**Payloads.** A UTF-8 JSON object with the envelope \`v\` (schema version; other versions are rejected), \`ts\`
(RFC 3339) and \`hostId\` (must equal the topic's host segment). Agent payloads also carry \`bootId\` (random per
agent start) and \`seq\` (one counter per boot): receivers drop a message whose seq is not greater than the last
one seen for the same host, leaf and bootId. Unknown keys are rejected. An empty payload on a retained leaf clears
it (the host was removed). Secrets travel only on \`secret/res\`, never retained.

The contract works on MQTT 3.1.1; MQTT 5 features are optional. Human guide: docs/topics.md.`

const PARAMETERS: JsonObject = {
  tenantId: {
    description: `Tenant id: ${ID_RULE}. Never contains \`+\`, \`#\`, \`/\` or NUL.`,
    examples: [EXAMPLE_TENANT_ID],
  },
  hostId: {
    description: `Host id, normally the SMBIOS UUID of the node: ${ID_RULE}. Never contains \`+\`, \`#\`, \`/\` or NUL. Every payload repeats it in \`hostId\`; a mismatch is rejected.`,
    examples: [EXAMPLE_HOST_ID],
    location: '$message.payload#/hostId',
  },
}

function ruleText(leaf: Leaf): string {
  const { from, retained, qos } = LEAF_RULES[leaf]
  const publisher = from === 'agent' ? 'the agent of the host' : 'the manager'
  const retention = retained ? 'retained; an empty payload clears it' : 'never retained'
  return `Published by ${publisher}; ${retention}; QoS ${qos}.`
}

function channel(leaf: Leaf): JsonObject {
  const slug = leafSlug(leaf)
  return {
    address: channelAddress(leaf),
    title: LEAF_DOCS[leaf].title,
    summary: LEAF_DOCS[leaf].summary,
    description: ruleText(leaf),
    parameters: {
      tenantId: { $ref: '#/components/parameters/tenantId' },
      hostId: { $ref: '#/components/parameters/hostId' },
    },
    messages: { [slug]: { $ref: `#/components/messages/${slug}` } },
  }
}

function operation(leaf: Leaf): JsonObject {
  const slug = leafSlug(leaf)
  const { retained, qos } = LEAF_RULES[leaf]
  const action = operationAction(leaf)
  const reply: JsonObject =
    leaf === 'secret/req'
      ? {
          reply: {
            channel: { $ref: '#/channels/secret-res' },
            messages: [{ $ref: '#/channels/secret-res/messages/secret-res' }],
          },
        }
      : {}
  return {
    action,
    channel: { $ref: `#/channels/${slug}` },
    title: `${action === 'send' ? 'Send' : 'Receive'} ${LEAF_DOCS[leaf].title}`,
    summary: LEAF_DOCS[leaf].summary,
    messages: [{ $ref: `#/channels/${slug}/messages/${slug}` }],
    bindings: { mqtt: mqttBinding({ qos, retain: retained }) },
    ...reply,
  }
}

function message(leaf: Leaf): JsonObject {
  const { title, summary } = LEAF_DOCS[leaf]
  const correlation: JsonObject = leaf.startsWith('secret/')
    ? {
        correlationId: {
          description: 'Pairs a secret response with its request.',
          location: '$message.payload#/correlationId',
        },
      }
    : {}
  return {
    name: title,
    title,
    summary,
    contentType: 'application/json',
    payload: { $ref: `#/components/schemas/${title}` },
    ...correlation,
    examples: [{ name: `${leafSlug(leaf)}-example`, payload: EXAMPLES[leaf] }],
  }
}
