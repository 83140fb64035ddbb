import type { Report, StateFacts } from '../../core/facts.ts'
import type { Host, HostKey } from '../../inventory/port.ts'
import {
  ACTIVATION_DONE,
  ACTIVATION_FAILED_PREFIX,
  ACTIVATION_IN_PROGRESS,
  DEACTIVATION_FAILED_PREFIX,
  ERROR_PREFIX,
} from '../../core/publish/status-texts.ts'
import type { Caller } from '../auth.ts'
import { invalidArgument } from '../errors.ts'
import type { ActivationResultRequest } from '../requests.ts'
import { GRPC_SOURCE, storedHost, type BridgeContext } from './context.ts'

/**
 * ReportActivationResults → a state report (phase, current state, status text + indicator, statusTimestamp: the
 * domain's state handler, as for MQTT agents). Only while desired != current; the reference's guards are
 * evaluated inside the write (RecordOptions.precondition):
 *
 *   activation_status   guard → FAILED_PRECONDITION                  effect (state handler)
 *   ACTIVATING          status already "AMT Activation In Progress"  "AMT Activation In Progress" IN_PROGRESS
 *   ACTIVATED           status "AMT Activation Done" and current     current PROVISIONED, "AMT Activation Done" IDLE
 *                       PROVISIONED
 *   ACTIVATION_FAILED   already failed and current UNPROVISIONED     "AMT Activation Failed: ActivationFailed:
 *                                                                    <message>" ERROR
 *   UNSPECIFIED / unknown number                                     INVALID_ARGUMENT
 *
 * `message` is kept: in the status text of a failure, in the state audit event (reason) otherwise.
 *
 * "Already failed": upstream writes one failure text, "AMT Activation Failed", whatever the desired state. The
 * domain words the same report by desired state (activation failed / deactivation failed / AMT error, see
 * status/state-mapping.ts), and a passed activation deadline writes "AMT Activation Failed: …" too; every one of
 * these texts is "already failed".
 */
const FAILURE_NAME = 'ActivationFailed'

type Reported = Exclude<ActivationResultRequest['activation_status'], 'UNSPECIFIED'>

const GUARDS: Readonly<Record<Reported, (host: Host) => string | null>> = {
  ACTIVATING: (host) => (host.status === ACTIVATION_IN_PROGRESS.status ? 'activation is already in progress' : null),
  ACTIVATED: (host) =>
    host.status === ACTIVATION_DONE.status && host.currentState === 'PROVISIONED' ? 'activation is already done' : null,
  ACTIVATION_FAILED: (host) =>
    hasFailed(host) && host.currentState === 'UNPROVISIONED' ? 'activation has already failed' : null,
}

const FAILURE_PREFIXES = [ACTIVATION_FAILED_PREFIX, DEACTIVATION_FAILED_PREFIX, ERROR_PREFIX] as const

/** The stored status is a failure text: one of the prefixes, alone or followed by ": <detail>". */
function hasFailed({ status }: Pick<Host, 'status'>): boolean {
  return FAILURE_PREFIXES.some((prefix) => status === prefix || status.startsWith(`${prefix}: `))
}

export async function reportActivationResults(
  ctx: BridgeContext,
  caller: Caller,
  request: ActivationResultRequest,
): Promise<Record<string, never>> {
  const reported = request.activation_status
  if (reported === 'UNSPECIFIED')
    throw invalidArgument('activation_status must be ACTIVATING, ACTIVATED or ACTIVATION_FAILED')
  const key: HostKey = { tenantId: caller.tenantId, hostId: request.host_id }
  const guard = GUARDS[reported]
  const precondition = (host: Host): string | null =>
    host.desiredState === host.currentState
      ? `nothing to report: desired and current state are both ${host.currentState}`
      : guard(host)
  const report: Report<'state'> = { kind: 'state', facts: factsOf(reported, request.message) }
  const host = storedHost(await ctx.core.record(key, report, GRPC_SOURCE, { precondition }), key)
  ctx.log.info(
    { ...key, reported, currentState: host.currentState, status: host.status },
    'gRPC agent reported activation progress',
  )
  return {}
}

function factsOf(reported: Reported, message: string): StateFacts {
  const reason = message === '' ? {} : { reason: message }
  switch (reported) {
    case 'ACTIVATING':
      return { phase: 'ACTIVATING', ...reason }
    case 'ACTIVATED':
      return { phase: 'PROVISIONED', ...reason }
    case 'ACTIVATION_FAILED':
      return { phase: 'FAILED', error: { code: null, name: FAILURE_NAME, message } }
  }
}
