import { callApi } from './api-call.ts'
import { fetchFragment } from './live-fragments.ts'
import { refreshOnFirstOpen, subscribeHostChanges } from './live.ts'
import { throttled } from './throttled.ts'

/** At most this many re-fetches of the progress per second, however many members change. */
const PROGRESS_INTERVAL_MS = 500

const OPERATIONS = new Set(['approve', 'pause', 'resume', 'cancel'])

/**
 * A rollout's page (pages/rollout-page.tsx): the live part (`data-rollout-live`: its fragment's URL) is re-fetched
 * after every host change of the tenant (the members' outcomes drive the rollout), on a resync, once the stream first
 * opens, and after each action. The buttons (inside the fragment, so one listener on the section) call the JSON API
 * (`data-rollout-api` + /pause …) with the session's CSRF token; the answer or the catalogue error goes into the
 * live region `rollout-message`.
 */
export function startRolloutPage(section: HTMLElement): void {
  const live = section.querySelector<HTMLElement>('[data-rollout-live]')
  const api = section.dataset['rolloutApi']
  const url = live?.dataset['rolloutLive']
  const tenantId = live?.dataset['tenantId']
  if (live === null || live === undefined || api === undefined || url === undefined || tenantId === undefined) return
  const message = section.querySelector<HTMLElement>('[data-testid="rollout-message"]')
  const say = (text: string, outcome: 'ok' | 'error' | 'pending'): void => {
    if (message === null) return
    message.textContent = text
    message.dataset['outcome'] = outcome
  }
  const refresh = throttled(async () => {
    const html = await fetchFragment(url)
    if (html !== null) live.innerHTML = html
  }, PROGRESS_INTERVAL_MS)
  subscribeHostChanges(tenantId, { onHost: refresh, onResync: refresh, onConnection: refreshOnFirstOpen(refresh) })

  section.addEventListener('submit', (event) => {
    const form = event.target as HTMLFormElement
    if (!form.matches('form[data-rollout-actions]')) return
    event.preventDefault()
    const operation = (event.submitter as HTMLButtonElement | null)?.value
    if (operation === undefined || !OPERATIONS.has(operation)) return
    form.querySelectorAll('button').forEach((button) => (button.disabled = true))
    say(`${operation}: sending…`, 'pending')
    void (async () => {
      try {
        const answer = await callApi('POST', `${api}/${operation}`)
        if (answer.ok) say(`${operation}: done, the rollout is ${stateOf(answer.body)}.`, 'ok')
        else say(`${operation} refused: ${answer.message}`, 'error')
      } catch {
        say(`${operation} failed: the manager could not be reached.`, 'error')
      }
      refresh()
    })()
  })
}

const stateOf = (body: unknown): string =>
  typeof body === 'object' && body !== null && 'state' in body ? String(body.state) : '?'
