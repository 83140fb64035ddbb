import type { FleetSummary } from '../data/fleet-summary.ts'
import type { PageFrame } from '../page-frame.ts'
import { consolePaths } from '../paths.ts'
import { FleetCounts } from './fleet-counts.tsx'
import { Layout } from './layout.tsx'
import type { WaveProgressProps } from './wave-progress.tsx'

/**
 * A tenant at a glance: hosts by capability, by AMT state, online / offline, and the activation progress. The
 * page script keeps the numbers live (data-live-counts: the fragment to re-fetch after host changes).
 */
export function OverviewPage({
  frame,
  tenantId,
  summary,
  progress,
}: {
  frame: PageFrame
  tenantId: string
  summary: FleetSummary
  progress: WaveProgressProps
}) {
  return (
    <Layout title={`Overview of ${tenantId}`} tenantId={tenantId} {...frame}>
      <h1>{`Overview of ${tenantId}`}</h1>
      <div data-live-counts={consolePaths.counts(tenantId)} data-tenant-id={tenantId}>
        <FleetCounts tenantId={tenantId} summary={summary} progress={progress} />
      </div>
      <p>
        <a href={consolePaths.hosts(tenantId)}>All hosts</a>
      </p>
    </Layout>
  )
}
