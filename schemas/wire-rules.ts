/**
 * The contract's constants and refinements that need no zod: the zod schemas (messages/, envelope.ts) and the
 * agent's lean parser generated from them (mini/payloads.ts) share these, so neither holds its own copy.
 */

/** The only schema version this code speaks. A message with another `v` is rejected as unsupported. */
export const SCHEMA_VERSION = 1

/**
 * The most password candidates a host has: the current one (0), previous versions, the tenant's static password
 * (docs/credentials.md). The agent never asks beyond this bound.
 */
export const MAX_PASSWORD_CANDIDATES = 10

/**
 * Why a node with rpc v2 cannot rotate its AMT password (docs/credentials.md "Rotation"): code, then reason. Here,
 * not in messages/desired.ts, so that the agent can name it without loading classic zod.
 */
export const ROTATION_UNSUPPORTED = 'ROTATION_UNSUPPORTED'
export const ROTATION_UNSUPPORTED_TEXT = `${ROTATION_UNSUPPORTED}: rpc v2 takes the new AMT password only on its command line`

/** The most facts an event carries (the agent sends at most 5). */
export const MAX_EVENT_FACTS = 16

/** An event's `detail` holds at most MAX_EVENT_FACTS entries. */
export function withinEventFacts(facts: object): boolean {
  return Object.keys(facts).length <= MAX_EVENT_FACTS
}
