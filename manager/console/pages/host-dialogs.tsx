import type { ComponentChildren } from 'preact'

/**
 * A confirmation step as a modal <dialog> (opened with showModal by the page script: focus moves into it, Escape
 * cancels). Its <form method="dialog"> closes it with the pressed button's value: "confirm" runs the action, anything
 * else (Cancel, Escape) does not. Cancel comes first and has the focus, so Enter alone never confirms.
 */
export function ConfirmDialog(props: { name: string; title: string; confirm: string; children: ComponentChildren }) {
  const { name, title, confirm, children } = props
  return (
    <dialog id={`dialog-${name}`} data-testid={`dialog-${name}`} aria-labelledby={`dialog-${name}-title`}>
      <form method="dialog">
        <h2 id={`dialog-${name}-title`}>{title}</h2>
        <div>{children}</div>
        <p class="dialog-buttons">
          <button type="submit" value="cancel" autofocus data-testid={`dialog-${name}-cancel`}>
            Cancel
          </button>
          <button type="submit" value="confirm" class="danger" data-testid={`dialog-${name}-confirm`}>
            {confirm}
          </button>
        </p>
      </form>
    </dialog>
  )
}

/**
 * The AMT password reveal (admins): a warning and a confirmation first; the password is fetched only on "Reveal",
 * shown in the dialog's outputs, and wiped from them when the dialog closes (client/password-dialog.ts).
 */
export function PasswordDialog({ hostId }: { hostId: string }) {
  return (
    <dialog id="dialog-password" data-testid="dialog-password" aria-labelledby="dialog-password-title">
      <form method="dialog">
        <h2 id="dialog-password-title">{`AMT password of ${hostId}`}</h2>
        <p class="warning-box">
          <strong>Warning:</strong> revealing the password is recorded in the audit trail. It is shown here only, never
          stored by the browser, and hidden again when you close this dialog.
        </p>
        <div data-slot="password" data-testid="password-values" hidden>
          <p>
            {'AMT password: '}
            <output class="secret" data-slot="amt-password" data-testid="password-value" />
          </p>
          <p>
            {'MEBx password: '}
            <output class="secret" data-slot="mebx-password" data-testid="password-mebx" />
          </p>
          <p>
            {'Origin: '}
            <output data-slot="password-origin" data-testid="password-origin" />
          </p>
        </div>
        <p class="action-message" data-slot="password-message" data-testid="password-message" role="status" />
        <p class="dialog-buttons">
          <button type="submit" value="close" autofocus data-testid="dialog-password-close">
            Close
          </button>
          <button type="button" class="danger" data-slot="password-reveal" data-testid="dialog-password-reveal">
            Reveal
          </button>
        </p>
      </form>
    </dialog>
  )
}
