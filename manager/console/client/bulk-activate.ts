import { callApi } from './api-call.ts'
import { fetchFragment } from './live-fragments.ts'
import { keepCountsLive } from './live-counts.ts'
import { openRollout, rolloutIdOf } from './open-rollout.ts'
import { rolloutControlsOf } from './rollout-controls.ts'

/** The API's bulk answer (manager/api/routes/host-amt.ts BulkResult): how many hosts got a new desired state. */
const countOf = (body: unknown): number | null =>
  typeof body === 'object' && body !== null && 'count' in body && typeof body.count === 'number' ? body.count : null

/** The action value of a password rotation (pages/bulk-activate-panel.tsx). */
const ROTATE = 'rotate-password'

/**
 * The hosts page's bulk activation or deactivation (pages/bulk-activate-panel.tsx): the page's checkboxes (and
 * "select all on this page"), or every host matching the table's filter; POST …/amt/bulk through callApi, so the
 * API's role check, validation and audit apply. The answer goes to the live region; then the wave's progress is
 * shown and kept live. "As a rollout": the controls go along, and the rollout's page opens. A password rotation is
 * always a rollout: POST …/amt/rotate-password with the same hosts and the controls (docs/rollouts.md).
 */
export function wireBulkActivate(form: HTMLFormElement): void {
  const url = form.dataset['bulkActivate']
  const button = form.querySelector<HTMLButtonElement>('button[type="submit"]')
  const message = form.querySelector<HTMLElement>('[data-bulk-message]')
  const counter = form.querySelector<HTMLElement>('[data-bulk-count]')
  const pageBox = document.querySelector<HTMLInputElement>('input[data-bulk-page]')
  if (url === undefined || button === null || message === null) return
  const boxes = () => [...document.querySelectorAll<HTMLInputElement>('input[data-bulk-host]')]
  const selected = () => boxes().filter((box) => box.checked)
  const showCount = () => {
    if (counter !== null) counter.textContent = String(selected().length)
  }
  document.addEventListener('change', (event) => {
    const target = event.target
    if (!(target instanceof HTMLInputElement)) return
    if (target === pageBox) for (const box of boxes()) box.checked = target.checked
    if (target === pageBox || target.dataset['bulkHost'] !== undefined) showCount()
  })
  button.disabled = false
  showCount()
  wireRotationChoice(form)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void activate()
  })

  async function activate(): Promise<void> {
    if (url === undefined || button === null || message === null) return
    const data = new FormData(form)
    const scope = data.get('scope')
    const hostIds = selected().map((box) => box.value)
    if (scope !== 'filter' && hostIds.length === 0) {
      message.textContent = 'Select hosts first, or choose all hosts matching the filter.'
      return
    }
    const target =
      scope === 'filter' ? { filter: JSON.parse(form.dataset['bulkFilter'] ?? '{}') as unknown } : { hostIds }
    const rotate = data.get('action') === ROTATE
    const activate = data.get('action') === 'PROVISIONED'
    const asRollout = rotate || data.get('asRollout') !== null
    const what = rotate
      ? 'Password rotation rollout'
      : `${activate ? 'Activation' : 'Deactivation'}${asRollout ? ' rollout' : ''}`
    button.disabled = true
    message.textContent = `Requesting the ${what.toLowerCase()}…`
    message.dataset['outcome'] = 'pending'
    const answer = rotate
      ? await callApi('POST', form.dataset['rotateApi'] ?? '', { ...target, controls: rolloutControlsOf(form) })
      : await callApi('POST', url, {
          desiredAmtState: activate ? 'PROVISIONED' : 'UNPROVISIONED',
          ...(activate ? { amtControlMode: data.get('controlMode') === 'ACM' ? 'ACM' : 'CCM' } : {}),
          ...target,
          ...(asRollout ? { rollout: rolloutControlsOf(form) } : {}),
        })
    button.disabled = false
    const count = countOf(answer.body)
    const rolloutId = rolloutIdOf(answer.body)
    const pages = form.dataset['rolloutPages']
    if (answer.ok && asRollout && rolloutId !== null && pages !== undefined) {
      message.textContent = `Rollout ${rolloutId} created; opening its page…`
      message.dataset['outcome'] = 'ok'
      return openRollout(pages, rolloutId)
    }
    message.textContent =
      answer.ok && count !== null
        ? `${what} requested for ${count} ${count === 1 ? 'host' : 'hosts'}.`
        : `${what} was not requested: ${answer.message}`
    message.dataset['outcome'] = answer.ok ? 'ok' : 'error'
    if (answer.ok) await showProgress()
  }
}

/**
 * A rotation is always a rollout: choosing it checks "as a rollout" and locks it, disables the control mode (an
 * activation's) and shows why; another action gives both back.
 */
function wireRotationChoice(form: HTMLFormElement): void {
  const action = form.querySelector<HTMLSelectElement>('select[name="action"]')
  const asRollout = form.querySelector<HTMLInputElement>('input[name="asRollout"]')
  const controlMode = form.querySelector<HTMLSelectElement>('select[name="controlMode"]')
  const note = form.querySelector<HTMLElement>('[data-rotation-note]')
  if (action === null || asRollout === null) return
  let chosenBefore = asRollout.checked
  action.addEventListener('change', () => {
    const rotate = action.value === ROTATE
    const locked = asRollout.disabled
    if (rotate && !locked) {
      chosenBefore = asRollout.checked
      asRollout.checked = true
    }
    if (!rotate && locked) asRollout.checked = chosenBefore
    asRollout.disabled = rotate
    if (controlMode !== null) controlMode.disabled = rotate
    if (note !== null) note.hidden = !rotate
  })
}

let stopProgress: (() => void) | null = null

/** The wave's progress below the form, live from now on (once per page). */
async function showProgress(): Promise<void> {
  const container = document.querySelector<HTMLElement>('[data-bulk-progress]')
  const url = container?.dataset['bulkProgress']
  if (container === null || url === undefined) return
  const html = await fetchFragment(url)
  if (html !== null) container.innerHTML = html
  container.hidden = false
  stopProgress ??= keepCountsLive(container, url)
}
