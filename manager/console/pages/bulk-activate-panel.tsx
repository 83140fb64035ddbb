import type { HostTableFilter } from '../data/host-table-query.ts'
import { consolePaths } from '../paths.ts'
import { RolloutControlsFields } from './rollout-controls-fields.tsx'

/**
 * Bulk activation, deactivation or AMT password rotation, for operators and admins only (a viewer's page does not
 * render it). The page script (client/bulk-activate.ts) sends POST /api/v1/tenants/{tenantId}/amt/bulk with the
 * checked rows' hostIds or the table's filter (data-bulk-filter: the API's filter body, labels included), says the
 * answer in the live region, then shows the wave's progress (data-progress-url) and keeps it live. "As a rollout" adds
 * the controls (`rollout`): the API answers with the rollout, whose page (data-rollout-pages + its id) the browser then
 * opens. A rotation is always a rollout (POST …/amt/rotate-password, data-rotate-api, with the same hosts and
 * controls). The button stays disabled until the script runs.
 */
export function BulkActivatePanel({
  tenantId,
  filter,
  total,
}: {
  tenantId: string
  filter: HostTableFilter
  total: number
}) {
  return (
    <>
      <form
        id="bulk-form"
        class="bulk"
        noValidate
        aria-labelledby="bulk-heading"
        data-bulk-activate={consolePaths.bulkApi(tenantId)}
        data-bulk-filter={JSON.stringify(filter)}
        data-rotate-api={consolePaths.rotateApi(tenantId)}
        data-rollout-pages={consolePaths.rollouts(tenantId)}
        data-testid="bulk-form"
      >
        <h2 id="bulk-heading">Activate or deactivate AMT, or rotate its password</h2>
        <fieldset>
          <legend>Hosts</legend>
          <label>
            <input type="radio" name="scope" value="selected" checked data-testid="scope-selected" /> the hosts selected
            on this page (<span data-bulk-count>0</span>)
          </label>{' '}
          <label>
            <input type="radio" name="scope" value="filter" data-testid="scope-filter" />
            {` all ${total} hosts matching the filter`}
          </label>
        </fieldset>
        <div class="field-row">
          <p class="field">
            <label for="bulk-action">Action</label>
            <select id="bulk-action" name="action" data-testid="bulk-action">
              <option value="PROVISIONED">activate</option>
              <option value="UNPROVISIONED">deactivate</option>
              <option value="rotate-password">rotate the AMT password (a rollout; rpc v3 agents)</option>
            </select>
          </p>
          <p class="field">
            <label for="bulk-control-mode">Control mode (activation)</label>
            <select id="bulk-control-mode" name="controlMode" data-testid="bulk-control-mode">
              <option value="CCM">CCM (client control mode)</option>
              <option value="ACM">ACM (admin control mode)</option>
            </select>
          </p>
        </div>
        <p>
          <label>
            <input type="checkbox" name="asRollout" value="yes" data-testid="bulk-as-rollout" /> as a rollout, under the
            controls below (then its page opens)
          </label>{' '}
          <span class="muted" data-rotation-note hidden>
            A password rotation is always a rollout; a host not PROVISIONED ends as failed, one on rpc v2 as not
            supported.
          </span>
        </p>
        <details>
          <summary>Rollout controls</summary>
          <RolloutControlsFields legend="Controls of the rollout" />
        </details>
        <p>
          <button type="submit" class="primary" disabled data-testid="bulk-activate">
            Request
          </button>
        </p>
        <p role="status" aria-live="polite" data-bulk-message data-testid="bulk-message" />
      </form>
      <div
        hidden
        data-bulk-progress={consolePaths.progress(tenantId)}
        data-tenant-id={tenantId}
        data-testid="bulk-progress"
      />
    </>
  )
}
