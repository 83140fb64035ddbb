import { HOST_CAPABILITIES, HOST_CONDITIONS } from '../../inventory/host-filter.ts'
import type { FleetSummary } from '../data/fleet-summary.ts'
import { hostsUrl } from '../data/host-table-query.ts'
import { CAPABILITY_LABELS, CONDITION_CLASSES, CONDITION_LABELS } from './host-labels.ts'
import { WaveProgress, type WaveProgressProps } from './wave-progress.tsx'

function CountCard({
  href,
  testId,
  count,
  label,
  kind,
}: {
  href: string
  testId: string
  count: number
  label: string
  kind?: string
}) {
  return (
    <a class={kind === undefined ? 'card' : `card ${kind}`} href={href} data-testid={testId}>
      <div class="count">{String(count)}</div>
      <div>{label}</div>
    </a>
  )
}

/**
 * The overview's numbers, each a link to the hosts table filtered by it, and the activation progress. A fragment
 * of its own (GET /console/tenants/{tenantId}/counts): the page script swaps it in after live host changes.
 */
export function FleetCounts({
  tenantId,
  summary,
  progress,
}: {
  tenantId: string
  summary: FleetSummary
  progress: WaveProgressProps
}) {
  return (
    <div class="fleet-counts" data-testid="fleet-counts">
      <section aria-labelledby="presence-heading">
        <h2 id="presence-heading">Hosts</h2>
        <div class="cards">
          <CountCard href={hostsUrl(tenantId, {})} testId="count-total" count={summary.total} label="hosts" />
          <CountCard
            href={hostsUrl(tenantId, { online: true })}
            testId="count-online"
            count={summary.online}
            label="online"
          />
          <CountCard
            href={hostsUrl(tenantId, { online: false })}
            testId="count-offline"
            count={summary.offline}
            label="offline"
          />
        </div>
      </section>
      <section aria-labelledby="capability-heading">
        <h2 id="capability-heading">By capability</h2>
        <div class="cards">
          {HOST_CAPABILITIES.map((capability) => (
            <CountCard
              key={capability}
              href={hostsUrl(tenantId, { capability })}
              testId={`count-capability-${capability}`}
              count={summary.capability[capability]}
              label={CAPABILITY_LABELS[capability]}
            />
          ))}
        </div>
      </section>
      <section aria-labelledby="condition-heading">
        <h2 id="condition-heading">By AMT state</h2>
        <div class="cards">
          {HOST_CONDITIONS.map((condition) => (
            <CountCard
              key={condition}
              href={hostsUrl(tenantId, { condition })}
              testId={`count-condition-${condition}`}
              count={summary.condition[condition]}
              label={CONDITION_LABELS[condition]}
              kind={CONDITION_CLASSES[condition]}
            />
          ))}
        </div>
      </section>
      <WaveProgress {...progress} />
    </div>
  )
}
