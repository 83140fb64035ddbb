import type { ComponentChildren } from 'preact'
import type { Principal } from '../../api/tokens/api-token.ts'
import { isGlobal } from '../../api/tokens/api-token.ts'
import type { ConsoleAssets } from '../assets/load-assets.ts'
import { consolePaths } from '../paths.ts'

export interface LayoutProps {
  title: string
  assets: ConsoleAssets
  /** The signed-in caller; absent on the sign-in page. */
  principal?: Principal
  /** The session's CSRF token, for the page script's state-changing calls (meta csrf-token). */
  csrfToken?: string
  /** The tenant the page is about (navigation links to its overview and hosts). */
  tenantId?: string
  children: ComponentChildren
}

/** Every console page: head (assets, CSRF meta), skip link, top bar (navigation, who, sign-out), main. */
export function Layout({ title, assets, principal, csrfToken, tenantId, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · AMT fleet console`}</title>
        {csrfToken === undefined ? null : <meta name="csrf-token" content={csrfToken} />}
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={consolePaths.asset(assets.style.name)} />
        <script type="module" src={consolePaths.asset(assets.script.name)} />
      </head>
      <body>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <header class="top">
          <span class="brand">AMT fleet console</span>
          {principal === undefined ? null : <Navigation principal={principal} tenantId={tenantId} />}
          {principal === undefined ? null : <Who principal={principal} csrfToken={csrfToken} />}
        </header>
        <main id="main">{children}</main>
      </body>
    </html>
  )
}

function Navigation({ principal, tenantId }: { principal: Principal; tenantId: string | undefined }) {
  return (
    <nav aria-label="Console">
      <ul>
        {isGlobal(principal) ? (
          <li>
            <a href={consolePaths.tenants}>Tenants</a>
          </li>
        ) : null}
        {tenantId === undefined ? null : (
          <>
            <li>
              <a href={consolePaths.overview(tenantId)}>Overview</a>
            </li>
            <li>
              <a href={consolePaths.hosts(tenantId)}>Hosts</a>
            </li>
            <li>
              <a href={consolePaths.groups(tenantId)}>Groups</a>
            </li>
            <li>
              <a href={consolePaths.rollouts(tenantId)}>Rollouts</a>
            </li>
          </>
        )}
        <li>
          <a href={consolePaths.apiDocs}>API docs</a>
        </li>
      </ul>
    </nav>
  )
}

function Who({ principal, csrfToken }: { principal: Principal; csrfToken: string | undefined }) {
  const scope = isGlobal(principal) ? 'all tenants' : `tenant ${principal.tenant}`
  return (
    <div class="who">
      <span data-testid="who">{`${principal.name} · ${principal.role} · ${scope}`}</span>
      {csrfToken === undefined ? null : (
        <form method="post" action={consolePaths.signOut}>
          <input type="hidden" name="_csrf" value={csrfToken} />
          <button type="submit">Sign out</button>
        </form>
      )}
    </div>
  )
}
