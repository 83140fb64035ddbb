/**
 * The console's browser code, bundled by esbuild (manager/console/assets/client-bundle.ts) and served by the
 * manager as /console/assets/app-<hash>.js. The server renders every page; this only enhances it: what a page
 * needs is declared with data-* attributes and wired here, so no inline script is needed (CSP: script-src 'self').
 *
 *   data-live-counts="<fragment url>"   the overview's numbers, re-fetched on live host changes
 *   data-live-rows="<tenantId>"         the hosts table: a changed host's row re-fetched and swapped in
 *   data-bulk-activate="<api url>"      the bulk activation form (operators, admins)
 *   data-rollout-api="<api url>"        a rollout's page: live progress, its operator's buttons
 *   data-group-rollout="<api url>"      a group page's "roll out this group's policy" form (operators, admins)
 */
import { wireBulkActivate } from './bulk-activate.ts'
import { csrfToken } from './csrf.ts'
import { keepCountsLive } from './live-counts.ts'
import { keepRowsLive } from './live-rows.ts'
import { startHostPage } from './host-page.ts'
import { startRolloutPage } from './rollout-page.ts'
import { wireGroupRollout } from './group-rollout.ts'

function start(): void {
  const hostPage = document.querySelector<HTMLElement>('[data-host-page]')
  if (hostPage !== null) startHostPage(hostPage)
  const rolloutPage = document.querySelector<HTMLElement>('[data-rollout-api]')
  if (rolloutPage !== null) startRolloutPage(rolloutPage)
  document.documentElement.dataset['consoleReady'] = csrfToken() === null ? 'anonymous' : 'signed-in'
  for (const counts of document.querySelectorAll<HTMLElement>('[data-live-counts]')) {
    const url = counts.dataset['liveCounts']
    if (url !== undefined) keepCountsLive(counts, url)
  }
  for (const table of document.querySelectorAll<HTMLTableElement>('table[data-live-rows]')) {
    const tenantId = table.dataset['liveRows']
    if (tenantId !== undefined) keepRowsLive(table, tenantId)
  }
  for (const form of document.querySelectorAll<HTMLFormElement>('form[data-bulk-activate]')) wireBulkActivate(form)
  for (const form of document.querySelectorAll<HTMLFormElement>('form[data-group-rollout]')) wireGroupRollout(form)
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
else start()
