import type { Report } from '../facts.ts'
import type { Host } from '../../inventory/port.ts'
import { handleCapability } from './capability.ts'
import type { Change, HandlerContext } from './change.ts'
import { handleEvent } from './events.ts'
import { handlePresence } from './presence.ts'
import { handleSecretRequest } from './secret-req.ts'
import { handleState } from './state.ts'

export type { AuditDraft, Change, Effect, HandlerContext } from './change.ts'

/** Routes a report to the one handler of its kind. */
export function runHandler(host: Host, report: Report, ctx: HandlerContext): Change {
  switch (report.kind) {
    case 'presence':
      return handlePresence(host, report.facts, ctx)
    case 'capability':
      return handleCapability(host, report.facts, ctx)
    case 'state':
      return handleState(host, report.facts, ctx)
    case 'events':
      return handleEvent(host, report.facts, ctx)
    case 'secret/req':
      return handleSecretRequest(host, report.facts, ctx)
  }
}
