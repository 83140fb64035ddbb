import { disableHostActions, wireHostActions } from './host-actions.ts'
import { swapFragment } from './fragments.ts'
import { refreshOnFirstOpen, subscribeHostChanges } from './live.ts'

/** Live events kept in the page's list (newest first). */
const MAX_LIVE_EVENTS = 50

/**
 * The host page (pages/host-page.tsx, found by data-host-page): follows the tenant's host changes and, when this
 * host changes (or the stream says to resync), re-fetches the server-rendered fields panel and, when the first
 * page is shown, the first page of the audit trail, and swaps them in. What arrives is listed under "Live events".
 */
export function startHostPage(root: HTMLElement): void {
  const { tenantId, hostId, fieldsUrl, auditUrl, apiHost } = root.dataset
  if (!tenantId || !hostId || !fieldsUrl || !auditUrl || !apiHost) return
  const actions = root.querySelector<HTMLElement>('#host-actions')

  const refresh = coalesced(async () => {
    const status = await swapFragment('host-fields', fieldsUrl)
    if (status === 404 && actions !== null) disableHostActions(actions)
    if (document.getElementById('host-audit')?.dataset['firstPage'] === 'true')
      await swapFragment('host-audit', auditUrl)
  })
  if (actions !== null) wireHostActions(actions, apiHost, refresh)

  const list = root.querySelector<HTMLOListElement>('[data-slot="live-events"]')
  const note = (text: string): void => {
    if (list === null) return
    const item = document.createElement('li')
    const time = document.createElement('time')
    const now = new Date()
    time.dateTime = now.toISOString()
    time.textContent = now.toLocaleTimeString()
    item.append(time, ` ${text}`)
    list.prepend(item)
    while (list.children.length > MAX_LIVE_EVENTS) list.lastElementChild?.remove()
    root.querySelector<HTMLElement>('[data-slot="live-events-empty"]')?.setAttribute('hidden', '')
  }

  const liveState = root.querySelector<HTMLElement>('[data-slot="live-state"]')
  const say = (text: string): void => {
    if (liveState !== null) liveState.textContent = text
  }
  const refreshOnce = refreshOnFirstOpen(refresh)
  say('connecting…')
  subscribeHostChanges(tenantId, {
    onHost(changed, host) {
      if (changed !== hostId) return
      note(describe(host))
      refresh()
    },
    onResync() {
      note('resync: the page reloaded what it shows')
      refresh()
    },
    onConnection(state) {
      if (state === 'open') say('on (changes of this host appear without a reload)')
      else say(state === 'reconnecting' ? 'reconnecting…' : 'off (the live stream ended: reload the page)')
      refreshOnce(state)
    },
  })
}

/**
 * "PROVISIONED · phase PROVISIONED · AMT Activation Done · online · power off · power action OFF done" from the API's
 * host view: the power fields too, so the changes a power action makes read apart in the list.
 */
function describe(host: unknown): string {
  const view = recordOf(host)
  const text = (name: string) => (typeof view[name] === 'string' ? String(view[name]) : null)
  const action = recordOf(view['powerAction'])
  const parts = [
    text('currentState'),
    text('phase') === null ? null : `phase ${text('phase')}`,
    text('status'),
    typeof view['online'] === 'boolean' ? (view['online'] ? 'online' : 'offline') : null,
    text('deletion') === 'pending' ? 'deletion pending' : null,
    text('powerState') === null ? null : `power ${text('powerState')}`,
    typeof action['requested'] === 'string' && typeof action['outcome'] === 'string'
      ? `power action ${action['requested']} ${action['outcome']}`
      : null,
  ]
  return parts.filter((part) => part !== null).join(' · ')
}

const recordOf = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}

/** Runs `task` now, or once more after the running one when asked meanwhile: never two at once, none lost. */
function coalesced(task: () => Promise<void>): () => void {
  let running = false
  let again = false
  const run = async (): Promise<void> => {
    running = true
    do {
      again = false
      try {
        await task()
      } catch {
        // The next change or resync tries again; the page keeps what it shows.
      }
    } while (again)
    running = false
  }
  return () => {
    if (running) again = true
    else void run()
  }
}
