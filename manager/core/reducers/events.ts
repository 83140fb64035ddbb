import { change, type Handler } from './change.ts'
import { eventDetail } from './event-detail.ts'

/** events → one audit event each (appended in batches by the ingest), its detail bounded; nothing on the host changes. */
export const handleEvent: Handler<'events'> = (_host, facts, { source }) =>
  change({}, [
    { kind: `agent.${facts.kind}`, detail: eventDetail(facts, source.kind === 'mqtt' ? source.ts : undefined) },
  ])
