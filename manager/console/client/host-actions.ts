import { callApi, type ApiAnswer } from './api-call.ts'
import { confirmDialog } from './confirm-dialog.ts'
import { wirePasswordDialog } from './password-dialog.ts'

/**
 * The host page's actions (pages/host-actions.tsx), each one call to the JSON API at `apiHost`
 * (/api/v1/tenants/{t}/hosts/{h}). The answer, or the catalogue error's message (DMT_NOT_CONFIGURED, FORBIDDEN, …),
 * goes into the live region `action-message`; a success re-renders the fields (`refresh`).
 */
export function wireHostActions(section: HTMLElement, apiHost: string, refresh: () => void): void {
  const message = section.querySelector<HTMLElement>('[data-testid="action-message"]')
  const dialog = (name: string) => section.querySelector<HTMLDialogElement>(`#dialog-${name}`)
  const say = (text: string, outcome: 'ok' | 'error' | 'pending'): void => {
    if (message === null) return
    message.textContent = text
    message.dataset['outcome'] = outcome
  }
  const buttons = () => section.querySelectorAll<HTMLButtonElement>('button[data-testid^="action-"]')

  const run = async (what: string, call: () => Promise<ApiAnswer>, done: (answer: ApiAnswer) => string) => {
    say(`${what}: sending…`, 'pending')
    buttons().forEach((button) => (button.disabled = true))
    try {
      const answer = await call()
      if (answer.ok) say(done(answer), 'ok')
      else say(`${what} refused: ${answer.message}`, 'error')
      refresh()
    } catch {
      say(`${what} failed: the manager could not be reached.`, 'error')
    } finally {
      buttons().forEach((button) => (button.disabled = false))
    }
  }

  section.querySelector<HTMLFormElement>('form[data-host-action="amt"]')?.addEventListener('submit', (event) => {
    event.preventDefault()
    const form = event.currentTarget as HTMLFormElement
    const state = (event.submitter as HTMLButtonElement | null)?.value
    if (state !== 'PROVISIONED' && state !== 'UNPROVISIONED') return
    const body = amtBody(new FormData(form), state)
    const what = state === 'PROVISIONED' ? 'Activation' : 'Deactivation'
    void (async () => {
      const ask = dialog('deactivate')
      if (state === 'UNPROVISIONED' && ask !== null && !(await confirmDialog(ask))) return
      await run(
        what,
        () => callApi('PATCH', `${apiHost}/amt`, body),
        (answer) => `${what} requested (desired generation ${field(answer.body, 'desiredGeneration')}).`,
      )
    })()
  })

  section.querySelector<HTMLFormElement>('form[data-host-action="power"]')?.addEventListener('submit', (event) => {
    event.preventDefault()
    const action = new FormData(event.currentTarget as HTMLFormElement).get('action')
    const ask = dialog('power')
    if (typeof action !== 'string' || ask === null) return
    const slot = ask.querySelector('[data-slot="power-action"]')
    if (slot !== null) slot.textContent = action
    void (async () => {
      if (!(await confirmDialog(ask))) return
      await run(
        `Power action ${action}`,
        () => callApi('POST', `${apiHost}/power`, { action }),
        (answer) => `Power action ${action} done: ${field(answer.body, 'returnValueStr')}.`,
      )
    })()
  })

  onClick(section, 'power-read', () =>
    run(
      'Reading the power state',
      () => callApi('GET', `${apiHost}/power`),
      (answer) => `Power state read from MPS: ${field(answer.body, 'powerState')}.`,
    ),
  )

  onClick(section, 'rotate', async () => {
    const ask = dialog('rotate')
    if (ask === null || !(await confirmDialog(ask))) return
    await run(
      'Password rotation',
      () => callApi('POST', `${apiHost}/amt/rotate-password`),
      (answer) =>
        `Password rotation requested (rotation ${field(answer.body, 'rotationId')}): pending until AMT confirms.`,
    )
  })

  onClick(section, 'delete', async () => {
    const ask = dialog('delete')
    if (ask === null || !(await confirmDialog(ask))) return
    const force = ask.querySelector<HTMLInputElement>('input[name="force"]')
    const query = force?.checked === true ? '?force=true' : ''
    if (force !== null) force.checked = false
    await run(
      'Deletion',
      () => callApi('DELETE', `${apiHost}${query}`),
      (answer) =>
        answer.status === 202
          ? 'Deletion requested: the host stays, pending deletion, until its agent has deactivated AMT.'
          : 'Deleted.',
    )
  })

  const passwordDialog = dialog('password')
  if (passwordDialog !== null) onClick(section, 'password', wirePasswordDialog(passwordDialog, apiHost))
}

/** A deleted host has no actions left: every control is disabled and the live region says why. */
export function disableHostActions(section: HTMLElement): void {
  section
    .querySelectorAll<HTMLButtonElement | HTMLInputElement | HTMLSelectElement>('button, input, select')
    .forEach((control) => (control.disabled = true))
  const message = section.querySelector<HTMLElement>('[data-testid="action-message"]')
  if (message !== null && message.dataset['outcome'] !== 'deleted') {
    message.textContent = 'This host has been deleted: no action is left.'
    message.dataset['outcome'] = 'deleted'
  }
}

function amtBody(form: FormData, desiredAmtState: 'PROVISIONED' | 'UNPROVISIONED'): Record<string, unknown> {
  const mode = form.get('amtControlMode')
  const suffix = form.get('amtDnsSuffix')
  return {
    desiredAmtState,
    ...(mode === 'CCM' || mode === 'ACM' ? { amtControlMode: mode } : {}),
    ...(typeof suffix === 'string' && suffix.trim() !== '' ? { amtDnsSuffix: suffix.trim() } : {}),
    ...(desiredAmtState === 'UNPROVISIONED' && form.get('localDeactivation') === 'on'
      ? { localDeactivation: true }
      : {}),
  }
}

function onClick(section: HTMLElement, action: string, handler: () => unknown): void {
  section.querySelector(`button[data-host-action="${action}"]`)?.addEventListener('click', () => void handler())
}

const field = (body: unknown, name: string): string =>
  typeof body === 'object' && body !== null && name in body ? String((body as Record<string, unknown>)[name]) : '?'
