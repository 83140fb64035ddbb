import { callApi } from './api-call.ts'
import { openRollout, rolloutIdOf } from './open-rollout.ts'
import { rolloutControlsOf } from './rollout-controls.ts'

/** The rollouts of a group's apply (manager/api/routes/policy-rollouts.ts ApplyView), their ids. */
const rolloutIdsOf = (body: unknown): string[] =>
  typeof body === 'object' && body !== null && 'rollouts' in body && Array.isArray(body.rollouts)
    ? body.rollouts.flatMap((rollout: unknown) => rolloutIdOf(rollout) ?? [])
    : []

/**
 * A group page's "roll out this group's policy" (pages/group-page.tsx): POST …/groups/{name}/rollout with the
 * controls through callApi (the API's roles, CSRF check and audit apply). One rollout: its page opens; several (one
 * per action): the rollouts page; none: the live region says there is no drift.
 */
export function wireGroupRollout(form: HTMLFormElement): void {
  const url = form.dataset['groupRollout']
  const pages = form.dataset['rolloutPages']
  const button = form.querySelector<HTMLButtonElement>('button[type="submit"]')
  const message = form.querySelector<HTMLElement>('[data-rollout-message]')
  if (url === undefined || pages === undefined || button === null || message === null) return
  const say = (text: string, outcome: 'ok' | 'error' | 'pending'): void => {
    message.textContent = text
    message.dataset['outcome'] = outcome
  }
  button.disabled = false
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    button.disabled = true
    say('Creating the rollout…', 'pending')
    void (async () => {
      try {
        const answer = await callApi('POST', url, { controls: rolloutControlsOf(form) })
        const ids = rolloutIdsOf(answer.body)
        if (!answer.ok) say(`The rollout was not created: ${answer.message}`, 'error')
        else if (ids.length === 0) say('No host of this group drifts from its policy: nothing to roll out.', 'ok')
        else {
          say(`Created ${ids.join(', ')}; opening…`, 'ok')
          if (ids.length === 1 && ids[0] !== undefined) return openRollout(pages, ids[0])
          return window.location.assign(pages)
        }
      } catch {
        say('The rollout was not created: the manager could not be reached.', 'error')
      }
      button.disabled = false
    })()
  })
}
