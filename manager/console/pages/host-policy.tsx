import type { EffectivePolicy } from '../../core/effective-policy.ts'
import { consolePaths } from '../paths.ts'

export interface HostPolicy {
  labels: Readonly<Record<string, string>>
  effective: EffectivePolicy
  /** The host's desired differs from the policy's target (docs/policy.md "Drift"). */
  drift: boolean
}

/** A policy in words: `acm (fallback ccm)`, `ccm`, … */
export const policyText = (policy: { amt: string; acmFallback?: string }): string =>
  policy.acmFallback === undefined ? policy.amt : `${policy.amt} (fallback ${policy.acmFallback})`

/**
 * The host's labels and its effective AMT policy (GET …/hosts/{h}/policy): which policy, where it comes from (its
 * override, a group — linked to the groups page —, none), the desired state it implies or why none, and the drift.
 */
export function HostPolicyPanel({ tenantId, policy }: { tenantId: string; policy: HostPolicy }) {
  const { labels, effective, drift } = policy
  const entries = Object.entries(labels)
  const group = effective.source.startsWith('group:') ? effective.source.slice('group:'.length) : null
  const target = effective.target
  return (
    <section aria-labelledby="policy-title" data-testid="host-policy">
      <h2 id="policy-title">Labels and policy</h2>
      <dl class="fields">
        <div>
          <dt>Labels</dt>
          <dd data-testid="host-labels">
            {entries.length === 0 ? (
              'none'
            ) : (
              <ul class="labels">
                {entries.map(([key, value]) => (
                  <li key={key}>
                    <code>{value === '' ? key : `${key}=${value}`}</code>
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </div>
        <div>
          <dt>Effective policy</dt>
          <dd data-testid="policy-amt">{effective.policy === null ? 'none' : policyText(effective.policy)}</dd>
        </div>
        <div>
          <dt>From</dt>
          <dd data-testid="policy-source">
            {group === null ? effective.source : <a href={consolePaths.group(tenantId, group)}>{effective.source}</a>}
          </dd>
        </div>
        <div>
          <dt>Implies</dt>
          <dd data-testid="policy-target">
            {target === null ? 'nothing' : [target.state, target.controlMode].filter(Boolean).join(' ')}
            {effective.reason === undefined ? null : ` — ${effective.reason.code}: ${effective.reason.message}`}
          </dd>
        </div>
        <div>
          <dt>Drift</dt>
          <dd data-testid="policy-drift" data-drift={String(drift)}>
            {drift ? '⚠ the desired state differs from the policy (a rollout would change it)' : 'none'}
          </dd>
        </div>
      </dl>
    </section>
  )
}
