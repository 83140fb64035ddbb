import type { JsonValue } from '../inventory/port.ts'
import { change, type Handler } from './change.ts'

/** events → one audit event each (appended in batches by the ingest); nothing on the host changes. */
export const handleEvent: Handler<'events'> = (_host, facts, { source }) => {
  const detail: { [key: string]: JsonValue } = { message: facts.message }
  if (facts.generation !== undefined) detail.generation = facts.generation
  if (facts.detail !== undefined) detail.detail = facts.detail
  if (source.kind === 'mqtt') detail.agentTs = source.ts
  return change({}, [{ kind: `agent.${facts.kind}`, detail }])
}
