import {
  actionText,
  isRotation,
  MEMBER_STATUSES,
  type MemberStatus,
  type Rollout,
  type RolloutMember,
} from '../../rollouts/rollout.ts'
import type { RolloutProgress } from '../../rollouts/rollout.ts'
import type { PageFrame } from '../page-frame.ts'
import { consolePaths } from '../paths.ts'
import { Layout } from './layout.tsx'
import { RolloutProgressPanel } from './rollout-progress.tsx'

export interface MemberPage {
  status: MemberStatus | undefined
  members: RolloutMember[]
  /** The `after` of the next page; null on the last one. */
  nextAfter: number | null
}

export interface RolloutPageProps {
  frame: PageFrame
  rollout: Rollout
  progress: RolloutProgress
  canAct: boolean
  page: MemberPage
}

/**
 * A rollout: its live progress (data-rollout-live: the fragment re-fetched after host changes and after an action;
 * the buttons call the JSON API at data-rollout-api), its controls, and its members by status, paged.
 */
export function RolloutPage({ frame, rollout, progress, canAct, page }: RolloutPageProps) {
  const { tenantId, id } = rollout
  return (
    <Layout title={`Rollout ${id}`} tenantId={tenantId} {...frame}>
      <p>
        <a href={consolePaths.rollouts(tenantId)}>All rollouts</a>
      </p>
      <h1>{`Rollout ${id}`}</h1>
      <p>{`${describeAction(rollout)} · created ${rollout.createdAt} by ${rollout.createdBy}`}</p>
      <section aria-labelledby="progress-heading" data-rollout-api={consolePaths.rolloutApi(tenantId, id)}>
        <h2 id="progress-heading">Progress</h2>
        <div data-rollout-live={consolePaths.rolloutProgress(tenantId, id)} data-tenant-id={tenantId}>
          <RolloutProgressPanel rollout={rollout} progress={progress} canAct={canAct} />
        </div>
        <p class="action-message" data-testid="rollout-message" role="status" aria-live="polite" />
      </section>
      <Controls rollout={rollout} />
      <Members rollout={rollout} page={page} />
    </Layout>
  )
}

const describeAction = ({ action }: Rollout): string =>
  isRotation(action) ? actionText(action) : `desired ${actionText(action)}`

function Controls({ rollout }: { rollout: Rollout }) {
  const { controls, schedule } = rollout
  const rows: [string, string][] = [
    ['at most in progress', String(controls.maxConcurrent)],
    ['starts per minute', `${schedule.rate} now, at most ${controls.maxStartsPerMinute}`],
  ]
  if (controls.ramp) rows.push(['ramp', `from ${controls.ramp.initial}/min, × ${controls.ramp.factor} a minute`])
  if (controls.canary) {
    const { hosts, percent, approval } = controls.canary
    const size = hosts === undefined ? `${percent ?? 0} %` : `${hosts} hosts`
    const how = approval === 'manual' ? 'approved by an operator' : `approved at ${approval.successPercent} % success`
    rows.push(['canary', `${size}, ${how}`])
  }
  if (controls.abort)
    rows.push(['abort', `above ${controls.abort.failurePercent} % failed, once ${controls.abort.minFinished} finished`])
  if (controls.window) {
    const { days, start, end, timezone } = controls.window
    rows.push(['window', `days ${days.join(',')} ${start}–${end} ${timezone}`])
  }
  return (
    <section aria-labelledby="controls-heading">
      <h2 id="controls-heading">Controls</h2>
      <dl data-testid="rollout-controls">
        {rows.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  )
}

function Members({ rollout, page }: { rollout: Rollout; page: MemberPage }) {
  const base = consolePaths.rollout(rollout.tenantId, rollout.id)
  const link = (status: MemberStatus | undefined, after?: number): string => {
    const query = new URLSearchParams()
    if (status !== undefined) query.set('status', status)
    if (after !== undefined) query.set('after', String(after))
    const text = query.toString()
    return text === '' ? `${base}#members-heading` : `${base}?${text}#members-heading`
  }
  return (
    <section aria-labelledby="members-heading">
      <h2 id="members-heading">Members</h2>
      <nav aria-label="Members by status">
        <ul class="member-filter">
          {[undefined, ...MEMBER_STATUSES].map((status) => (
            <li key={status ?? 'all'}>
              <a href={link(status)} {...(status === page.status ? { 'aria-current': 'page' } : {})}>
                {status ?? 'all'}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <table data-testid="rollout-members">
        <caption>{`Members${page.status === undefined ? '' : ` ${page.status}`}, in the rollout's order`}</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">host</th>
            <th scope="col">status</th>
            <th scope="col">error</th>
            <th scope="col">generation</th>
          </tr>
        </thead>
        <tbody>
          {page.members.length === 0 ? (
            <tr>
              <td colSpan={5}>No member here.</td>
            </tr>
          ) : (
            page.members.map((member) => (
              <tr key={member.hostId} data-testid={`member-${member.hostId}`}>
                <td>{String(member.position + 1) + (member.canary ? ' (canary)' : '')}</td>
                <td>
                  <a href={consolePaths.host(rollout.tenantId, member.hostId)}>{member.hostId}</a>
                </td>
                <td>{member.status}</td>
                <td>{member.errorName ?? ''}</td>
                <td>{member.generation === null ? '' : String(member.generation)}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      {page.nextAfter === null ? null : (
        <p>
          <a href={link(page.status, page.nextAfter)} data-testid="members-next">
            Next members
          </a>
        </p>
      )}
    </section>
  )
}
