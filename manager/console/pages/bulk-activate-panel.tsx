import type { HostTableFilter } from '../data/host-table-query.ts'
import { consolePaths } from '../paths.ts'

/**
 * Bulk activation, for operators and admins only (a viewer's page does not render it). The page script
 * (client/bulk-activate.ts) sends POST /api/v1/tenants/{tenantId}/amt/bulk with the checked rows' hostIds or the
 * table's filter (data-bulk-filter: the API's filter body), says the answer in the live region, then shows the
 * wave's progress (data-progress-url) and keeps it live. The button stays disabled until the script runs.
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
        aria-labelledby="bulk-heading"
        data-bulk-activate={consolePaths.bulkApi(tenantId)}
        data-bulk-filter={JSON.stringify(filter)}
        data-testid="bulk-form"
      >
        <h2 id="bulk-heading">Activate AMT</h2>
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
        <p class="field">
          <label for="bulk-control-mode">Control mode</label>
          <select id="bulk-control-mode" name="controlMode" data-testid="bulk-control-mode">
            <option value="CCM">CCM (client control mode)</option>
            <option value="ACM">ACM (admin control mode)</option>
          </select>
        </p>
        <p>
          <button type="submit" class="primary" disabled data-testid="bulk-activate">
            Activate
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
