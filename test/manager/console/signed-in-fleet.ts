import type { ExecutionContext } from 'ava'
import type { Role } from '../../../manager/api/tokens/token-store.ts'
import { openBrowser, signIn, type TestPage } from '../../helpers/browser.ts'
import { startApi, type ApiHarness } from '../api/api-harness.ts'
import { seedFleet, TENANT } from './fleet-fixture.ts'

export { TENANT }

export interface FleetBrowser extends TestPage {
  api: ApiHarness
  /** Opens a console path and waits until the page script has run (html[data-console-ready]). */
  open: (path: string) => Promise<void>
}

/**
 * The console over the fleet fixture (one host per condition, tenant acme; f1's audit trail has an activation
 * request in ACM) and a browser signed in with the role
 * (tenant acme; '*' for a global admin). Everything is released in t.teardown.
 */
export async function fleetBrowser(t: ExecutionContext, role: Role, tenant = TENANT): Promise<FleetBrowser> {
  const api = await startApi(t, { console: true })
  await seedFleet(api.inventory)
  const asked = await api.request('PATCH', `/api/v1/tenants/${TENANT}/hosts/f1/amt`, {
    token: await api.token('admin', TENANT, 'ada'),
    body: { desiredAmtState: 'PROVISIONED', amtControlMode: 'ACM', amtDnsSuffix: 'corp.example.com' },
  })
  if (asked.status !== 200) throw new Error(`the fixture's activation request was refused: ${asked.status}`)
  const opened = await openBrowser(t)
  await signIn(opened.page, api.url, await api.token(role, tenant))
  const open = async (path: string): Promise<void> => {
    await opened.page.goto(`${api.url}${path}`)
    await opened.page.locator('html[data-console-ready]').waitFor({ state: 'attached' })
  }
  return { ...opened, api, open }
}

export const hostsPath = (query = ''): string => `/console/tenants/${TENANT}/hosts${query}`
export const hostPath = (hostId: string): string => `/console/tenants/${TENANT}/hosts/${hostId}`
