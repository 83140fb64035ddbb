import type { HostGroup } from '../../inventory/amt-policy.ts'
import type { PageFrame } from '../page-frame.ts'
import { consolePaths } from '../paths.ts'
import { selectorText } from './groups-page.tsx'
import { policyText } from './host-policy.tsx'
import { Layout } from './layout.tsx'
import { RolloutControlsFields } from './rollout-controls-fields.tsx'

/** Drifted hosts listed on the page at most (the count is always whole). */
const DRIFT_SHOWN = 50

export interface GroupPageProps {
  frame: PageFrame
  tenantId: string
  group: HostGroup
  /** The group's hosts whose desired differs from its policy, by hostId. */
  drifted: readonly string[]
  /** An operator or admin, and rollouts are wired: the rollout form. */
  canAct: boolean
}

/**
 * One group: selector, priority, policy, the hosts that drift from it; for operators, "roll out this group's policy":
 * the page script (client/group-rollout.ts) sends POST /api/v1/tenants/{t}/groups/{name}/rollout with the controls
 * and opens the rollout's page (several rollouts, one per action: the rollouts page).
 */
export function GroupPage({ frame, tenantId, group, drifted, canAct }: GroupPageProps) {
  const shown = drifted.slice(0, DRIFT_SHOWN)
  return (
    <Layout title={`Group ${group.name} of ${tenantId}`} tenantId={tenantId} {...frame}>
      <p>
        <a href={consolePaths.groups(tenantId)}>All groups</a>
      </p>
      <h1>{`Group ${group.name}`}</h1>
      <dl class="fields" data-testid="group-fields">
        <div>
          <dt>selector</dt>
          <dd>{selectorText(group.selector)}</dd>
        </div>
        <div>
          <dt>priority</dt>
          <dd>{String(group.priority)}</dd>
        </div>
        <div>
          <dt>policy</dt>
          <dd data-testid="group-policy">{policyText(group.policy)}</dd>
        </div>
      </dl>
      <section aria-labelledby="drift-heading">
        <h2 id="drift-heading">Drift</h2>
        <p data-testid="group-drift">
          {drifted.length === 0
            ? 'Every host of this group has the desired state its policy asks.'
            : `${drifted.length} ${drifted.length === 1 ? 'host differs' : 'hosts differ'} from the policy.`}
        </p>
        {shown.length === 0 ? null : (
          <ul class="drift-hosts">
            {shown.map((hostId) => (
              <li key={hostId}>
                <a href={consolePaths.host(tenantId, hostId)}>{hostId}</a>
              </li>
            ))}
          </ul>
        )}
        {drifted.length > shown.length ? <p>{`… and ${drifted.length - shown.length} more.`}</p> : null}
      </section>
      {canAct ? <GroupRolloutForm tenantId={tenantId} name={group.name} /> : null}
    </Layout>
  )
}

function GroupRolloutForm({ tenantId, name }: { tenantId: string; name: string }) {
  return (
    <form
      class="bulk"
      aria-labelledby="group-rollout-heading"
      noValidate
      data-group-rollout={consolePaths.groupRolloutApi(tenantId, name)}
      data-rollout-pages={consolePaths.rollouts(tenantId)}
      data-testid="group-rollout-form"
    >
      <h2 id="group-rollout-heading">Roll out this group's policy</h2>
      <p>The hosts in drift become a rollout per action their policy implies, started under these controls.</p>
      <RolloutControlsFields legend="Controls of the rollout" />
      <p>
        <button type="submit" class="primary" disabled data-testid="group-rollout">
          Roll out
        </button>
      </p>
      <p role="status" aria-live="polite" data-rollout-message data-testid="group-rollout-message" />
    </form>
  )
}
