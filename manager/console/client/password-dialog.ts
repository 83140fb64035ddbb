import { callApi } from './api-call.ts'

interface PasswordAnswer {
  amtPassword: string
  mebxPassword: string | null
  origin: string
}

const isPasswordAnswer = (body: unknown): body is PasswordAnswer =>
  typeof body === 'object' && body !== null && 'amtPassword' in body && typeof body.amtPassword === 'string'

/**
 * The admin's AMT password reveal (pages/host-dialogs.tsx PasswordDialog). Opening shows the warning only; "Reveal"
 * reads GET …/amt-password (the API audits the read and answers no-store) and writes the values into the dialog's
 * outputs. Nothing is kept: no variable outlives the click, nothing goes to storage, and closing the dialog (Close,
 * Escape) wipes the outputs. Returns the function that opens the dialog.
 */
export function wirePasswordDialog(dialog: HTMLDialogElement, apiHost: string): () => void {
  const slot = (name: string): HTMLElement => {
    const element = dialog.querySelector<HTMLElement>(`[data-slot="${name}"]`)
    if (element === null) throw new Error(`password dialog without its ${name} slot`)
    return element
  }
  const values = slot('password')
  const outputs = [slot('amt-password'), slot('mebx-password'), slot('password-origin')] as const
  const message = slot('password-message')
  const reveal = slot('password-reveal') as HTMLButtonElement

  const wipe = (): void => {
    for (const output of outputs) output.textContent = ''
    values.hidden = true
    message.textContent = ''
    reveal.disabled = false
  }
  dialog.addEventListener('close', wipe)

  reveal.addEventListener('click', () => {
    reveal.disabled = true
    message.textContent = 'Reading the password…'
    void callApi('GET', `${apiHost}/amt-password`).then(
      (answer) => {
        if (!dialog.open) return
        if (!isPasswordAnswer(answer.body)) {
          message.textContent = answer.ok ? 'The manager answered something unexpected.' : answer.message
          reveal.disabled = false
          return
        }
        const [amt, mebx, origin] = outputs
        amt.textContent = answer.body.amtPassword
        mebx.textContent = answer.body.mebxPassword ?? '(none stored)'
        origin.textContent = answer.body.origin === 'host' ? "the host's own" : "the tenant's static password"
        values.hidden = false
        message.textContent = 'Shown until you close this dialog; the read is in the audit trail.'
      },
      () => {
        message.textContent = 'The manager could not be reached.'
        reveal.disabled = false
      },
    )
  })

  return () => {
    wipe()
    dialog.showModal()
  }
}
