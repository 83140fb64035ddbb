import type { StateCount } from '../../inventory/port.ts'
import type { PageFrame } from '../page-frame.ts'
import { consolePaths } from '../paths.ts'
import { Layout } from './layout.tsx'

/** A tenant at a glance: how many hosts are in each AMT state. */
export function OverviewPage({
  frame,
  tenantId,
  counts,
}: {
  frame: PageFrame
  tenantId: string
  counts: StateCount[]
}) {
  const byState = new Map<string, number>()
  for (const { currentState, count } of counts) byState.set(currentState, (byState.get(currentState) ?? 0) + count)
  const total = counts.reduce((sum, { count }) => sum + count, 0)
  return (
    <Layout title={`Overview of ${tenantId}`} tenantId={tenantId} {...frame}>
      <h1>{`Overview of ${tenantId}`}</h1>
      <section class="cards" aria-label="Hosts by AMT state">
        <div class="card" data-testid="count-total">
          <div class="count">{total}</div>
          <div>hosts</div>
        </div>
        {[...byState].map(([state, count]) => (
          <div class="card" key={state} data-testid={`count-${state}`}>
            <div class="count">{count}</div>
            <div>{state}</div>
          </div>
        ))}
      </section>
      <p>
        <a href={consolePaths.hosts(tenantId)}>All hosts</a>
      </p>
    </Layout>
  )
}
