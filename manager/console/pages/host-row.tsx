import { controlModeText } from '../../api/control-mode-text.ts'
import { powerViewOf } from '../../core/power-view.ts'
import type { Host } from '../../inventory/port.ts'
import { hostCapability, hostCondition } from '../../core/host-condition.ts'
import { statusReasonOf } from '../data/status-reason.ts'
import { consolePaths } from '../paths.ts'
import { CAPABILITY_LABELS, CONDITION_CLASSES, CONDITION_LABELS, formatTime } from './host-labels.ts'

/** What AMT reports under the asked mode: the agent's last state, else its last capability report. */
function ReportedMode({ host }: { host: Host }) {
  const reported = host.reportedControlMode ?? host.capability?.controlMode ?? null
  if (reported === null) return null
  const { differs } = controlModeText(host.controlMode, reported)
  return <div class={differs ? 'state-warn' : 'muted'}>{`AMT reports ${reported}${differs ? ' (differs)' : ''}`}</div>
}

/**
 * One host in the hosts table. Also a fragment of its own (GET …/hosts/{hostId}/row): the table script swaps it in
 * when a live change of the host arrives. `selectable`: the caller may act (operator, admin): a checkbox for bulk.
 */
export function HostRow({ host, selectable }: { host: Host; selectable: boolean }) {
  const condition = hostCondition(host)
  const capability = hostCapability(host)
  const { summary, reason, errorName } = statusReasonOf(host)
  const report = host.capability
  const behind = host.observedGeneration < host.desiredGeneration
  return (
    <tr
      data-host-id={host.hostId}
      data-row-url={consolePaths.hostRow(host.tenantId, host.hostId)}
      data-testid="host-row"
      data-condition={condition}
    >
      {selectable ? (
        <td>
          <input
            type="checkbox"
            name="hostId"
            value={host.hostId}
            form="bulk-form"
            aria-label={`Select ${host.hostId}`}
            data-bulk-host
          />
        </td>
      ) : null}
      <th scope="row">
        <a href={consolePaths.host(host.tenantId, host.hostId)}>{host.hostId}</a>
      </th>
      <td>{host.name}</td>
      <td data-testid="capability">
        {CAPABILITY_LABELS[capability]}
        {report !== null && report.amtVersion !== '' ? (
          <span class="muted">{` · AMT ${report.amtVersion}`}</span>
        ) : null}
      </td>
      <td>
        {host.controlMode}
        <ReportedMode host={host} />
      </td>
      <td data-testid="amt-state">
        <span class={`condition ${CONDITION_CLASSES[condition]}`}>{CONDITION_LABELS[condition]}</span>
        <div class="status" data-testid="status-text">
          {summary}
        </div>
        {reason === '' ? null : (
          <div class="reason" data-testid="status-reason">
            {errorName === null ? null : (
              <>
                <code data-testid="rpc-error">{errorName}</code>{' '}
              </>
            )}
            {errorName === null ? reason : reason.slice(errorName.length + 2)}
          </div>
        )}
      </td>
      <td class={host.online ? 'state-ok' : 'state-idle'}>{host.online ? 'Online' : 'Offline'}</td>
      <td>{host.lastSeen === null ? 'never' : <time datetime={host.lastSeen}>{formatTime(host.lastSeen)}</time>}</td>
      <td>{powerViewOf(host).powerState}</td>
      <td data-testid="generation">
        {`${host.observedGeneration} / ${host.desiredGeneration}`}
        {behind ? <span class="muted"> (behind)</span> : null}
      </td>
    </tr>
  )
}
