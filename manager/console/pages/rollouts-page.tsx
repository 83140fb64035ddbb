import { actionText, type Rollout, type RolloutProgress } from '../../rollouts/rollout.ts'
import type { PageFrame } from '../page-frame.ts'
import { consolePaths } from '../paths.ts'
import { Layout } from './layout.tsx'
import { RolloutBar } from './rollout-progress.tsx'

export interface RolloutRow {
  rollout: Rollout
  progress: RolloutProgress
}

/** A tenant's rollouts, newest first: state, what each does, a progress bar; each id links to its page. */
export function RolloutsPage({ frame, tenantId, rows }: { frame: PageFrame; tenantId: string; rows: RolloutRow[] }) {
  return (
    <Layout title={`Rollouts of ${tenantId}`} tenantId={tenantId} {...frame}>
      <h1>{`Rollouts of ${tenantId}`}</h1>
      {rows.length === 0 ? (
        <p data-testid="no-rollouts">
          No rollout yet: create one with the API (POST …/rollouts) or `amt-manager rollouts create`.
        </p>
      ) : (
        <table data-testid="rollouts-table">
          <caption>Newest first</caption>
          <thead>
            <tr>
              <th scope="col">rollout</th>
              <th scope="col">state</th>
              <th scope="col">desired</th>
              <th scope="col">progress</th>
              <th scope="col">created</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ rollout, progress }) => (
              <tr key={rollout.id} data-testid={`rollout-row-${rollout.id}`}>
                <td>
                  <a href={consolePaths.rollout(tenantId, rollout.id)}>{rollout.id}</a>
                </td>
                <td>{rollout.state}</td>
                <td>{actionText(rollout.action)}</td>
                <td>
                  <RolloutBar progress={progress} label={`rollout ${rollout.id}: members finished`} />
                </td>
                <td>{`${rollout.createdAt} by ${rollout.createdBy}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  )
}
