import { fetchFragment } from './live-fragments.ts'
import { throttled } from './throttled.ts'
import { refreshOnFirstOpen, subscribeHostChanges } from './live.ts'

/** At most this many re-fetches of the numbers per second, however many hosts change. */
const COUNTS_INTERVAL_MS = 500

/**
 * A live block of numbers (the overview's counts, the wave's progress): `data-live-counts` (or, for the hosts
 * page's progress, `data-bulk-progress`) is the fragment's URL, `data-tenant-id` the tenant. On every host change
 * and on a resync it re-fetches the fragment (throttled) and swaps it in, and once when the stream first opens (what
 * changed since the page was rendered). Returns a function that stops it.
 */
export function keepCountsLive(container: HTMLElement, url: string): () => void {
  const tenantId = container.dataset['tenantId']
  if (tenantId === undefined) return () => undefined
  const refresh = throttled(async () => {
    const html = await fetchFragment(url)
    if (html !== null) container.innerHTML = html
  }, COUNTS_INTERVAL_MS)
  return subscribeHostChanges(tenantId, {
    onHost: refresh,
    onResync: refresh,
    onConnection: refreshOnFirstOpen(refresh),
  })
}
