import type { FastifyPluginCallback } from 'fastify'
import type { ConsoleContext } from '../context.ts'
import { coalesced } from '../data/coalesced.ts'
import { fleetCounts, waveCounts, type FleetCounts } from '../data/fleet-summary.ts'
import { MemoryWaveHistory } from '../data/wave-history.ts'
import { recordWaves } from '../data/wave-recorder.ts'
import { pageFrame } from '../page-frame.ts'
import { FleetCounts as FleetCountsFragment } from '../pages/fleet-counts.tsx'
import { OverviewPage } from '../pages/overview-page.tsx'
import type { WaveProgressProps } from '../pages/wave-progress.tsx'
import { WaveProgress } from '../pages/wave-progress.tsx'
import { sendFragment, sendPage } from '../render.ts'

type TenantRequest = { Params: { tenantId: string } }

/**
 * The overview (GET /console/tenants/{tenantId}) and its two live fragments: the numbers (…/counts) and the
 * activation progress alone (…/progress, for the hosts page after a bulk activation). Every count also records the
 * wave's numbers in the tenant's history (ctx.waves, in the database; data/wave-history.ts), which the chart draws;
 * so do the host changes of every tenant, whether or not a page is open (data/wave-recorder.ts, stopped when the
 * server closes).
 */
export function overviewRoutes(ctx: ConsoleContext, now: () => number = Date.now): FastifyPluginCallback {
  const history = ctx.waves ?? new MemoryWaveHistory()
  /** Pages re-fetching the counts at the same time (live updates of many viewers) share runs. */
  const shared = coalesced((tenantId) => fleetCounts(ctx.inventory, tenantId))
  const count = async (tenantId: string): Promise<FleetCounts & { progress: WaveProgressProps }> => {
    await ctx.inventory.getTenant(tenantId)
    const counts = await shared(tenantId)
    const at = now()
    await history.record(tenantId, counts.wave, at)
    const samples = await history.samples(tenantId, at)
    return { ...counts, progress: { wave: counts.wave, samples, now: at, windowMs: history.windowMs } }
  }
  return (app, _options, done) => {
    // The recorder counts only the wave (one query), whether or not a page is open.
    const countWave = coalesced((tenantId) => waveCounts(ctx.inventory, tenantId))
    const stopRecording = recordWaves({ changes: ctx.hostChanges, history, countWave, now, log: ctx.log })
    app.addHook('onClose', stopRecording)
    app.get<TenantRequest>('/tenants/:tenantId', async (request, reply) => {
      const { tenantId } = request.params
      const { summary, progress } = await count(tenantId)
      return sendPage(reply, OverviewPage({ frame: pageFrame(request, ctx.assets), tenantId, summary, progress }))
    })
    app.get<TenantRequest>('/tenants/:tenantId/counts', async (request, reply) => {
      const { tenantId } = request.params
      const { summary, progress } = await count(tenantId)
      return sendFragment(reply, FleetCountsFragment({ tenantId, summary, progress }))
    })
    app.get<TenantRequest>('/tenants/:tenantId/progress', async (request, reply) => {
      const { progress } = await count(request.params.tenantId)
      return sendFragment(reply, WaveProgress(progress))
    })
    done()
  }
}
