import { elementOf, fetchFragment } from './live-fragments.ts'
import { throttled } from './throttled.ts'
import { refreshOnFirstOpen, subscribeHostChanges } from './live.ts'

const RESYNC_INTERVAL_MS = 1000

/**
 * The hosts table's live rows: for a change of a host shown on the page, re-fetch its row (the row's
 * data-row-url) and swap it in, keeping its checkbox as the user left it; one fetch at a time per host, the
 * newest change last. A resync re-fetches every row shown, and so does the stream's first opening (what changed
 * since the page was rendered).
 */
export function keepRowsLive(table: HTMLTableElement, tenantId: string): () => void {
  const refreshRow = async (hostId: string): Promise<void> => {
    const row = table.querySelector<HTMLTableRowElement>(`tr[data-host-id="${CSS.escape(hostId)}"]`)
    const url = row?.dataset['rowUrl']
    if (row === null || url === undefined) return
    const html = await fetchFragment(url)
    const fresh = html === null ? null : elementOf(html)
    if (fresh === null || !row.isConnected) return
    const checked = row.querySelector<HTMLInputElement>('input[data-bulk-host]')?.checked ?? false
    const box = fresh.querySelector<HTMLInputElement>('input[data-bulk-host]')
    if (box !== null) box.checked = checked
    row.replaceWith(fresh)
  }
  const perHost = new Map<string, () => void>()
  const refresh = (hostId: string): void => {
    let schedule = perHost.get(hostId)
    if (schedule === undefined) {
      schedule = throttled(() => refreshRow(hostId), 0)
      perHost.set(hostId, schedule)
    }
    schedule()
  }
  const refreshAll = throttled(() => {
    const rows = table.querySelectorAll<HTMLTableRowElement>('tr[data-host-id]')
    for (const row of rows) if (row.dataset['hostId'] !== undefined) refresh(row.dataset['hostId'])
    return Promise.resolve()
  }, RESYNC_INTERVAL_MS)
  return subscribeHostChanges(tenantId, {
    onHost: (hostId) => {
      if (table.querySelector(`tr[data-host-id="${CSS.escape(hostId)}"]`) !== null) refresh(hostId)
    },
    onResync: refreshAll,
    onConnection: refreshOnFirstOpen(refreshAll),
  })
}
