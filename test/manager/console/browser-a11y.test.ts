import test, { type ExecutionContext } from 'ava'
import type { Page } from 'playwright-core'
import { axeViolations } from '../../helpers/axe.ts'
import { openBrowser } from '../../helpers/browser.ts'
import { startApi } from '../api/api-harness.ts'
import { fleetBrowser, hostPath, hostsPath, TENANT } from './signed-in-fleet.ts'

/**
 * axe-core's WCAG 2.1 A/AA rules on every console page (not /docs: Swagger UI is not ours), rendered with the fleet
 * fixture's hosts: zero violations. axe's source is evaluated through the DevTools protocol (test/helpers/axe.ts),
 * so the pages keep their strict CSP and any violation of it shows in `problems`.
 */
async function noViolations(t: ExecutionContext, page: Page, what: string): Promise<void> {
  t.deepEqual(await axeViolations(page), [], what)
}

test('the sign-in page, blank and with an error, has no WCAG 2.1 AA violation', async (t) => {
  const api = await startApi(t, { console: true })
  const { page, problems } = await openBrowser(t)
  await page.goto(`${api.url}/console/sign-in`)
  await noViolations(t, page, 'sign-in')
  await page.getByLabel('API token').fill('amt_0123456789abcdef_not-a-real-token-at-all-not-a-real-token-xyz')
  await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.keyboard.press('Enter')])
  await page.getByRole('alert').waitFor()
  await noViolations(t, page, 'sign-in with an error')
  // the refused sign-in is answered 401 on purpose; chromium logs that status of the page as an error
  const refused = /^console error: Failed to load resource: .* 401 .*\/console\/sign-in\)$/
  t.deepEqual(
    problems.filter((problem) => !refused.test(problem)),
    [],
  )
})

test('a global admin’s tenants page and a tenant’s overview have no WCAG 2.1 AA violation', async (t) => {
  const { page, problems, open } = await fleetBrowser(t, 'admin', '*')
  await open('/console/tenants')
  await noViolations(t, page, 'tenants')
  await open(`/console/tenants/${TENANT}`)
  await noViolations(t, page, 'overview')
  t.deepEqual(problems, [])
})

test('an operator’s hosts table, filtered, with the bulk form, has no WCAG 2.1 AA violation', async (t) => {
  const { page, problems, open } = await fleetBrowser(t, 'operator')
  await open(hostsPath())
  await noViolations(t, page, 'hosts, unfiltered')
  await open(hostsPath('?capability=AMT&sort=-condition'))
  t.is(await page.getByTestId('host-row').count(), 3)
  await page.getByTestId('bulk-form').waitFor()
  await noViolations(t, page, 'hosts, filtered')
  await open(hostsPath('?condition=DEACTIVATING'))
  await noViolations(t, page, 'hosts, none matching')
  t.deepEqual(problems, [])
})

test('an admin’s host page (FAILED, NOT_SUPPORTED) and its dialogs have no WCAG 2.1 AA violation', async (t) => {
  const { page, problems, open } = await fleetBrowser(t, 'admin')
  for (const hostId of ['f1', 'n1']) {
    await open(hostPath(hostId))
    await page.getByTestId('action-password').waitFor()
    await noViolations(t, page, `host ${hostId}`)
  }
  await page.getByTestId('action-power').click()
  await page.getByTestId('dialog-power').waitFor()
  await noViolations(t, page, 'power dialog open')
  await page.keyboard.press('Escape')
  await page.getByTestId('dialog-power').waitFor({ state: 'hidden' })
  await page.getByTestId('action-password').click()
  await page.getByTestId('dialog-password').waitFor()
  await noViolations(t, page, 'password dialog open')
  t.deepEqual(problems, [])
})
