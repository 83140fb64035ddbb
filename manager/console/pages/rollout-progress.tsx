import type { Rollout, RolloutProgress as Progress, RolloutState } from '../../rollouts/rollout.ts'
import type { RolloutOperation } from '../../core/rollouts/rollout-service.ts'

/** The members with an outcome (or skipped): what a rollout's bar counts as done. */
const finishedOf = (progress: Progress): number =>
  progress.succeeded + progress.failed + progress.notSupported + progress.skipped

/** A rollout's bar: a native <progress> (no inline style for the CSP), its numbers also in words. */
export function RolloutBar({ progress, label }: { progress: Progress; label: string }) {
  const finished = finishedOf(progress)
  return (
    <span class="rollout-bar">
      <progress max={String(Math.max(progress.targeted, 1))} value={String(finished)} aria-label={label} />{' '}
      <span data-testid="rollout-finished">{`${finished} of ${progress.targeted} finished`}</span>
    </span>
  )
}

/** The operations the API accepts in a state (core/rollouts/rollout-service.ts patchOf). */
function operationsIn(state: RolloutState): RolloutOperation[] {
  if (state === 'aborted' || state === 'cancelled' || state === 'completed') return []
  if (state === 'paused') return ['resume', 'cancel']
  return state === 'awaiting-approval' ? ['approve', 'pause', 'cancel'] : ['pause', 'cancel']
}

const OPERATION_LABELS: Record<RolloutOperation, string> = {
  approve: 'Approve the canary',
  pause: 'Pause',
  resume: 'Resume',
  cancel: 'Cancel the rollout',
}

/**
 * The live part of a rollout's page (GET …/rollouts/{id}/progress, swapped in after host changes and after each
 * action): state, reason, the bar, the counts, and for operators the buttons of the state's operations.
 */
export function RolloutProgressPanel(props: { rollout: Rollout; progress: Progress; canAct: boolean }) {
  const { rollout, progress, canAct } = props
  const counts: [string, string, number][] = [
    ['targeted', 'targeted', progress.targeted],
    ['pending', 'pending (not started)', progress.pending],
    ['in-progress', 'in progress', progress.inProgress],
    ['succeeded', 'succeeded', progress.succeeded],
    ['failed', 'failed', progress.failed],
    ['not-supported', 'not supported', progress.notSupported],
    ['skipped', 'skipped (already in the target state)', progress.skipped],
  ]
  const operations = canAct ? operationsIn(rollout.state) : []
  return (
    <div class="rollout-progress" data-testid="rollout-progress" data-state={rollout.state}>
      <p>
        State: <strong data-testid="rollout-state">{rollout.state}</strong>
        {rollout.reason === null ? null : (
          <>
            {' — '}
            <span data-testid="rollout-reason">{rollout.reason}</span>
          </>
        )}
      </p>
      <RolloutBar progress={progress} label="members finished" />
      <ul class="legend">
        {counts.map(([key, label, count]) => (
          <li key={key}>
            <span data-testid={`rollout-${key}`}>{String(count)}</span> {label}
          </li>
        ))}
        <li>
          <span data-testid="rollout-canary">{`${progress.canary.finished} of ${progress.canary.targeted}`}</span>{' '}
          canary members finished
        </li>
      </ul>
      {progress.failed === 0 ? null : (
        <table data-testid="rollout-failed-by-error">
          <caption>Failed members by rpc error</caption>
          <thead>
            <tr>
              <th scope="col">error</th>
              <th scope="col">members</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(progress.failedByError).map(([name, count]) => (
              <tr key={name}>
                <td>{name}</td>
                <td>{String(count)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {operations.length === 0 ? null : (
        <form class="rollout-actions" data-rollout-actions="">
          {operations.map((operation) => (
            <button
              key={operation}
              type="submit"
              name="operation"
              value={operation}
              data-testid={`rollout-${operation}`}
            >
              {OPERATION_LABELS[operation]}
            </button>
          ))}
        </form>
      )}
    </div>
  )
}
