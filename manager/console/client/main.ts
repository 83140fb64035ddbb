/**
 * The console's browser code, bundled by esbuild (manager/console/assets/client-bundle.ts) and served by the
 * manager as /console/assets/app-<hash>.js. The server renders every page; this only enhances it: what a page
 * needs is declared with data-* attributes and wired here, so no inline script is needed (CSP: script-src 'self').
 */
import { csrfToken } from './csrf.ts'
import { startHostPage } from './host-page.ts'

function start(): void {
  const hostPage = document.querySelector<HTMLElement>('[data-host-page]')
  if (hostPage !== null) startHostPage(hostPage)
  document.documentElement.dataset['consoleReady'] = csrfToken() === null ? 'anonymous' : 'signed-in'
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
else start()
