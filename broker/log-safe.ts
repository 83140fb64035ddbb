import { createHash } from 'node:crypto'
import { isValidId } from '../schemas/ids.ts'
import { AGENT_CLIENT_ID_PREFIX, parseDeviceUsername } from '../schemas/principals.ts'
import { LEAVES, TOPIC_ROOT } from '../schemas/topics.ts'
import type { Principal } from './auth/principal.ts'

/**
 * Values a client sends that the broker logs — a username, a client id, a topic — may hold a secret typed in the
 * wrong field (a password as the username, a token in a topic). The logs show such a value only where its shape
 * or the principal's own scope says what it is; anything else appears as a fingerprint, `sha256:<12 hex>`, that an
 * operator can match: `printf '%s' VALUE | sha256sum | cut -c1-12` (docs/operations.md, "What the logs never hold").
 */
export function fingerprint(value: string): string {
  return `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 12)}`
}

const MAX_SHOWN = 128

/** A device username (`<hostId>@<tenantId>`) as it is; any other username as a fingerprint. */
export function loggableUsername(username: string | undefined): string | undefined {
  if (username === undefined) return undefined
  return parseDeviceUsername(username) === null ? fingerprint(username) : username.slice(0, MAX_SHOWN)
}

const vetted = new WeakSet<object>()

/** The client's id passed the client-id policy for its principal (broker/auth/client-id-policy.ts): log it as it is. */
export function markClientIdVetted(client: object): void {
  vetted.add(client)
}

/** A client id as it is when vetted or shaped like an agent's (`amt-agent:<tenant>:<host>…`); else a fingerprint. */
export function loggableClientId(client: object, clientId: string): string {
  if (vetted.has(client) || isAgentShaped(clientId)) return clientId.slice(0, MAX_SHOWN)
  return fingerprint(clientId)
}

function isAgentShaped(clientId: string): boolean {
  if (!clientId.startsWith(AGENT_CLIENT_ID_PREFIX)) return false
  const [tenantId = '', hostId = ''] = clientId.slice(AGENT_CLIENT_ID_PREFIX.length).split(':')
  return isValidId(tenantId) && isValidId(hostId)
}

const TREE_WORDS = new Set<string>([
  ...TOPIC_ROOT.split('/'),
  ...LEAVES.flatMap((leaf) => leaf.split('/')),
  '+',
  '#',
  '$SYS',
  '_probe',
])

/**
 * A topic or filter with every segment outside the tree's own words and the principal's own tenant and host
 * replaced by its fingerprint: `amt/v1/acme/sha256:…/state`.
 */
export function loggableTopic(topic: string, principal: Principal | undefined): string {
  const own = new Set([principal?.tenantId, principal?.hostId].filter((id) => id !== undefined))
  return topic
    .slice(0, 1024)
    .split('/')
    .map((segment) => (segment === '' || TREE_WORDS.has(segment) || own.has(segment) ? segment : fingerprint(segment)))
    .join('/')
    .slice(0, 512)
}
