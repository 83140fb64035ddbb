import type { EventFacts } from '../facts.ts'
import type { JsonValue } from '../../inventory/port.ts'

/** The most an `events` message stores (the audit row's JSON detail, in UTF-16 units of its compact JSON text). */
export const MAX_EVENT_DETAIL_CHARS = 2048
const MESSAGE_CHARS = 512
const VALUE_CHARS = 128
const CUT = '…'

type Detail = { [key: string]: JsonValue }

/**
 * The stored detail of an `events` message: message, generation, the agent's facts and its time (kind, host and
 * the manager's time are columns of the row). Compact JSON, at most MAX_EVENT_DETAIL_CHARS: a larger one keeps a
 * shortened message and the first facts that fit (long texts cut, ending in '…'), and says `truncated` with the
 * size it had.
 */
export function eventDetail(facts: EventFacts, agentTs?: string): Detail {
  const head: Detail = { message: facts.message }
  if (facts.generation !== undefined) head.generation = facts.generation
  if (agentTs !== undefined) head.agentTs = agentTs
  const full: Detail = facts.detail === undefined ? head : { ...head, detail: facts.detail }
  const size = JSON.stringify(full).length
  if (size <= MAX_EVENT_DETAIL_CHARS) return full

  const kept: Detail = { ...head, message: cut(facts.message, MESSAGE_CHARS), truncated: size }
  const entries: Detail = {}
  kept.detail = entries
  for (const [key, value] of Object.entries(facts.detail ?? {})) {
    entries[key] = typeof value === 'string' ? cut(value, VALUE_CHARS) : value
    if (JSON.stringify(kept).length > MAX_EVENT_DETAIL_CHARS) {
      delete entries[key]
      break
    }
  }
  return kept
}

const cut = (text: string, max: number): string => (text.length <= max ? text : text.slice(0, max - CUT.length) + CUT)
