import { POWER_ACTIONS } from '../../dmt/power-actions.ts'
import { ConfirmDialog, PasswordDialog } from './host-dialogs.tsx'

/**
 * The host's actions, for operators and admins (a viewer's page renders none; the API refuses a forged call
 * anyway). Each is a call to the JSON API by the page script (client/host-actions.ts), which shows the answer, or
 * the catalogue error's message, in the live region `action-message`. Destructive ones ask first in a <dialog>.
 */
export function HostActions(props: { hostId: string; admin: boolean; provisioned: boolean }) {
  const { hostId, admin, provisioned } = props
  return (
    <section id="host-actions" data-testid="host-actions" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      <p id="action-message" class="action-message" data-testid="action-message" role="status" aria-live="polite" />
      <form class="action-row" data-host-action="amt" data-testid="amt-form">
        <fieldset>
          <legend>AMT activation</legend>
          <label for="amt-control-mode">Control mode</label>
          <select id="amt-control-mode" name="amtControlMode" data-testid="amt-control-mode">
            <option value="">unchanged</option>
            <option value="CCM">CCM (client control mode)</option>
            <option value="ACM">ACM (admin control mode)</option>
          </select>
          <label for="amt-dns-suffix">DNS suffix (ACM)</label>
          <input id="amt-dns-suffix" name="amtDnsSuffix" data-testid="amt-dns-suffix" placeholder="unchanged" />
          {admin ? (
            <label>
              <input type="checkbox" name="localDeactivation" data-testid="amt-local-deactivation" />
              {' deactivate locally if RPS cannot (admin; leaves RPS/MPS records behind)'}
            </label>
          ) : null}
          <button
            type="submit"
            class="primary"
            name="desiredAmtState"
            value="PROVISIONED"
            data-testid="action-activate"
          >
            Activate
          </button>
          <button type="submit" name="desiredAmtState" value="UNPROVISIONED" data-testid="action-deactivate">
            Deactivate…
          </button>
        </fieldset>
      </form>
      <form class="action-row" data-host-action="power" data-testid="power-form">
        <fieldset>
          <legend>Power (through MPS)</legend>
          <label for="power-action">Action</label>
          <select id="power-action" name="action" data-testid="power-action-select">
            {POWER_ACTIONS.map((action) => (
              <option key={action} value={action}>
                {action}
              </option>
            ))}
          </select>
          <button type="submit" data-testid="action-power">
            Send power action…
          </button>
          <button type="button" data-host-action="power-read" data-testid="action-power-read">
            Read power state
          </button>
        </fieldset>
      </form>
      {provisioned ? (
        <div class="action-row">
          <button type="button" data-host-action="rotate" data-testid="action-rotate">
            Rotate AMT password…
          </button>
        </div>
      ) : null}
      <div class="action-row">
        <button type="button" class="danger" data-host-action="delete" data-testid="action-delete">
          Delete host…
        </button>
      </div>
      {admin ? (
        <div class="action-row warning-box" data-testid="password-warning">
          <p>
            <strong>Warning:</strong> this shows the host's AMT password in clear. Every reveal is recorded in the audit
            trail under your name. Make sure nobody is looking over your shoulder.
          </p>
          <button type="button" data-host-action="password" data-testid="action-password">
            Reveal AMT password…
          </button>
        </div>
      ) : null}
      <ConfirmDialog name="deactivate" title="Deactivate AMT?" confirm="Deactivate">
        {`The agent of ${hostId} will deactivate AMT: remote management through AMT stops until it is activated again.`}
      </ConfirmDialog>
      {provisioned ? (
        <ConfirmDialog name="rotate" title="Rotate the AMT password?" confirm="Rotate">
          {`A new AMT password is stored for ${hostId} and its agent changes it in AMT; the host's page shows when AMT ` +
            'has confirmed it. Nobody is shown either password.'}
        </ConfirmDialog>
      ) : null}
      <ConfirmDialog name="power" title="Send a power action?" confirm="Send">
        {'Send the power action '}
        <strong data-slot="power-action" />
        {` to ${hostId} through MPS? The machine may lose unsaved work.`}
      </ConfirmDialog>
      <ConfirmDialog name="delete" title="Delete this host?" confirm="Delete">
        {`${hostId} will be deleted once its agent has deactivated AMT; until then it stays, pending deletion.`}
        {admin ? (
          <p>
            <label>
              <input type="checkbox" name="force" data-testid="delete-force" />
              {' force: delete at once, without waiting for AMT deactivation (admin)'}
            </label>
          </p>
        ) : null}
      </ConfirmDialog>
      {admin ? <PasswordDialog hostId={hostId} /> : null}
    </section>
  )
}
