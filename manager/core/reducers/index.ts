import type { Report, ReportKind } from '../facts.ts'
import type { Host } from '../../inventory/port.ts'
import { handleCapability } from './capability.ts'
import type { Change, Handler, HandlerContext } from './change.ts'
import { handleEvent } from './events.ts'
import { handlePresence } from './presence.ts'
import { handleSecretRequest } from './secret-req.ts'
import { handleState } from './state.ts'

export type { Change, Effect, HandlerContext } from './change.ts'

/**
 * The one handler of every report kind. ReportKind is the agent leaves of schemas/topics.ts LEAF_RULES, so a new
 * agent leaf without its handler here does not compile.
 */
export const HANDLERS: { readonly [K in ReportKind]: Handler<K> } = {
  presence: handlePresence,
  capability: handleCapability,
  state: handleState,
  events: handleEvent,
  'secret/req': handleSecretRequest,
}

/** Routes a report to the one handler of its kind. */
export function runHandler<K extends ReportKind>(host: Host, report: Report<K>, ctx: HandlerContext): Change {
  const handle: Handler<K> = HANDLERS[report.kind]
  return handle(host, report.facts, ctx)
}
