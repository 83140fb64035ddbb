/**
 * Live host changes of one tenant: a Server-Sent Events stream from the manager (GET
 * /api/v1/tenants/{tenantId}/hosts/changes), fed by the same correlation that publishes the `status` topic. The
 * browser's EventSource reconnects by itself and sends Last-Event-ID, so the server resumes where the stream broke;
 * when it cannot (too far behind, or the manager restarted) it sends `resync` and the page reloads what it shows.
 */
export interface HostChangeHandlers {
  /** A host was written: `hostId` and its view (the API's Host object). */
  onHost(hostId: string, host: unknown): void
  /** Changes may have been missed: reload what the page shows. */
  onResync(): void
  /** A host was deleted (optional: without it the page gets `onResync`). */
  onDeleted?(hostId: string): void
  /**
   * The stream's connection (optional): `open` once the manager answered (changes from then on arrive), then
   * `reconnecting` while the browser retries after a break, `closed` when it gave up.
   */
  onConnection?(state: 'open' | 'reconnecting' | 'closed'): void
}

export function subscribeHostChanges(tenantId: string, handlers: HostChangeHandlers): () => void {
  const source = new EventSource(`/api/v1/tenants/${encodeURIComponent(tenantId)}/hosts/changes`)
  source.addEventListener('host', (event) => {
    const host: unknown = JSON.parse((event as MessageEvent<string>).data)
    if (typeof host === 'object' && host !== null && 'hostId' in host && typeof host.hostId === 'string')
      handlers.onHost(host.hostId, host)
  })
  source.addEventListener('deleted', (event) => {
    const deleted: unknown = JSON.parse((event as MessageEvent<string>).data)
    const hostId = typeof deleted === 'object' && deleted !== null && 'hostId' in deleted ? deleted.hostId : null
    if (typeof hostId !== 'string') return
    if (handlers.onDeleted) handlers.onDeleted(hostId)
    else handlers.onResync()
  })
  source.addEventListener('resync', () => handlers.onResync())
  source.addEventListener('open', () => handlers.onConnection?.('open'))
  source.addEventListener('error', () =>
    handlers.onConnection?.(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'),
  )
  return () => source.close()
}

/**
 * An `onConnection` handler that runs `refresh` when the stream first opens: a first stream starts at the manager's
 * newest change, so what changed between the page's render and that moment is read again (a reconnect resumes by
 * Last-Event-ID or resyncs, so it needs nothing).
 */
export function refreshOnFirstOpen(refresh: () => void): NonNullable<HostChangeHandlers['onConnection']> {
  let opened = false
  return (state) => {
    if (state !== 'open' || opened) return
    opened = true
    refresh()
  }
}
