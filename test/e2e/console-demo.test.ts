import { readFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import type { Page } from 'playwright-core'
import { openBrowser, saveScreenshot } from '../helpers/browser.ts'
import { BIN, spawnNode, tempDir, until } from './support/processes.ts'

/**
 * Issue #16: a person following the README's two commands sees the live console of the demo fleet. The real demo
 * (`amt-manager demo`: simulated RPS and MPS, agents against simulated AMT) as a child process, and Debian's
 * chromium signing in with the token the demo points to, reading the overview, filtering the hosts table and
 * sending a power action through the simulated MPS from a host page.
 */

const DEMO = ['demo', '--hosts', '6', '--api-port', '0', '--mqtt-port', '0']
/** Activation of the whole simulated fleet, on a loaded 2-core machine. */
const SETTLE_MS = 120_000

/** The host id in the row of the demo's final table whose status holds `text`. */
const hostIdWithStatus = (output: string, text: string): string =>
  output
    .split('\n')
    .find((line) => /^sim-\d+ /.test(line) && line.includes(text))
    ?.split(/ +/)[1] ?? ''

interface HostSummary {
  total: number
  online: number
  offline: number
  byCapability: Record<string, number>
  byCondition: Record<string, number>
}

/** The overview's numbers as the API counts them, under the page's test ids. */
const expectedCounts = (summary: HostSummary): Record<string, string> => ({
  'count-total': String(summary.total),
  'count-online': String(summary.online),
  'count-offline': String(summary.offline),
  ...Object.fromEntries(Object.entries(summary.byCapability).map(([key, n]) => [`count-capability-${key}`, String(n)])),
  ...Object.fromEntries(Object.entries(summary.byCondition).map(([key, n]) => [`count-condition-${key}`, String(n)])),
})

/** Every number on the overview, by its test id. */
const shownCounts = (page: Page): Promise<Record<string, string>> =>
  page
    .locator('[data-testid^="count-"]')
    .evaluateAll((cards) =>
      Object.fromEntries(
        cards.map((card) => [card.getAttribute('data-testid') ?? '', card.querySelector('.count')?.textContent ?? '']),
      ),
    )

/** How a condition's label looks: its colour and the sign the stylesheet puts before it. */
const looksOf = (page: Page, selector: string): Promise<{ color: string; sign: string }> =>
  page.locator(selector).evaluate((element) => ({
    color: getComputedStyle(element).color,
    sign: getComputedStyle(element, '::before').content,
  }))

test('the README’s demo in a browser: sign in as printed, the overview counts as the API, the hosts table filters, a power action reaches the simulated MPS', async (t) => {
  t.timeout(SETTLE_MS + 180_000, 'the demo settling, then a browser journey')
  const dataDir = path.join(await tempDir(t, 'amt-e2e-console-demo-'), 'data')
  const demo = spawnNode(t, BIN.manager, [...DEMO, '--data-dir', dataDir])
  await until(
    () => Promise.resolve(demo.output().includes('The manager keeps serving')),
    'the demo fleet to settle and serve',
    { dead: demo, timeoutMs: SETTLE_MS },
  )
  const output = demo.output()
  const consoleUrl = /^Web console: (\S+)/m.exec(output)?.[1] ?? ''
  const tokenFile = /^ {2}sign in with the admin API token in (\S+) /m.exec(output)?.[1] ?? ''
  t.is(path.resolve(tokenFile), path.join(dataDir, 'admin-token'))
  const token = (await readFile(tokenFile, 'utf8')).trim()
  const origin = new URL(consoleUrl).origin
  const api = async <T>(apiPath: string): Promise<T> => {
    const answer = await fetch(`${origin}/api/v1${apiPath}`, { headers: { authorization: `Bearer ${token}` } })
    t.is(answer.status, 200, apiPath)
    return (await answer.json()) as T
  }
  const provisioned = hostIdWithStatus(output, 'AMT Activation Done')
  const notCapable = hostIdWithStatus(output, 'AMT not supported')
  const failed = hostIdWithStatus(output, 'ActivationFailed')
  t.true(
    [provisioned, notCapable, failed].every((id) => id.length === 36),
    output,
  )

  const { page, problems } = await openBrowser(t)
  await page.setViewportSize({ width: 1280, height: 800 })
  const navigations: string[] = []
  page.on('request', (request) => {
    if (request.isNavigationRequest()) navigations.push(new URL(request.url()).pathname)
  })

  // 1. the URL the demo printed, the sign-in form, the token from the file it named
  await page.goto(consoleUrl)
  t.is(new URL(page.url()).pathname, '/console/sign-in', 'anonymous: sent to sign in')
  await page.getByLabel('API token').fill(token)
  await Promise.all([
    page.waitForURL((url) => url.pathname !== '/console/sign-in'),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ])
  t.is(await page.getByTestId('who').textContent(), 'bootstrap-admin · admin · all tenants')
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/console/tenants/demo'),
    page.getByRole('link', { name: 'demo', exact: true }).click(),
  ])

  // 2. the overview's numbers are the API's summary
  const summary = await api<HostSummary>('/tenants/demo/hosts/summary')
  t.like(summary.byCondition, { PROVISIONED: 4, NOT_SUPPORTED: 1, FAILED: 1 }, 'the demo fleet settled as predicted')
  t.deepEqual(await shownCounts(page), expectedCounts(summary))
  await saveScreenshot(page, 'console-overview', { fullPage: false })

  // 3. the hosts table: the failed host with its rpc error, apart from the not capable one; then a filter
  const nav = page.getByRole('navigation', { name: 'Console' })
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/console/tenants/demo/hosts'),
    nav.getByRole('link', { name: 'Hosts', exact: true }).click(),
  ])
  t.is(await page.getByTestId('page-range').textContent(), `1–${summary.total} of ${summary.total}`)
  const row = (hostId: string) => `tr[data-host-id="${hostId}"]`
  t.is(await page.locator(`${row(failed)} .condition`).textContent(), 'Failed')
  t.is(await page.locator(`${row(failed)} [data-testid="rpc-error"]`).textContent(), 'ActivationFailed')
  t.is(await page.locator(`${row(notCapable)} .condition`).textContent(), 'Not supported')
  t.is(await page.locator(`${row(notCapable)} [data-testid="rpc-error"]`).count(), 0)
  const failedLooks = await looksOf(page, `${row(failed)} .condition`)
  const notCapableLooks = await looksOf(page, `${row(notCapable)} .condition`)
  t.deepEqual([failedLooks.sign, notCapableLooks.sign], ['"✖ "', '"⊘ "'], 'a sign as well as a colour')
  t.not(failedLooks.color, notCapableLooks.color, 'not supported is never painted as a failure')
  await Promise.all([
    page.waitForURL((url) => url.searchParams.get('sort') === 'condition'),
    page.getByTestId('sort-condition').click(),
  ])
  t.deepEqual(
    (await page.getByTestId('host-row').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-host-id')))).slice(
      0,
      2,
    ),
    [failed, notCapable],
    'sorted by AMT state (FAILED, NOT_SUPPORTED, PROVISIONED, …)',
  )
  await saveScreenshot(page, 'console-hosts', { fullPage: false })

  await page.getByLabel('AMT state').selectOption('NOT_SUPPORTED')
  await Promise.all([
    page.waitForURL((url) => url.searchParams.get('condition') === 'NOT_SUPPORTED'),
    page.getByTestId('filter-apply').click(),
  ])
  const rows = page.getByTestId('host-row')
  t.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-host-id'))), [notCapable])
  const reason = rows.getByTestId('status-reason')
  t.true(await reason.isVisible())
  t.regex((await reason.textContent()) ?? '', /has neither the AMT Pro \(0x08\) nor the ISM \(0x10\) bit/)
  t.is(await page.getByTestId('page-range').textContent(), '1–1 of 1')

  // 4. a provisioned host's page: a power action, cancelled first, then confirmed, answered by the simulated MPS
  await page.getByRole('link', { name: 'Clear' }).click()
  await Promise.all([
    page.waitForURL((url) => url.pathname.endsWith(`/hosts/${provisioned}`)),
    page.getByRole('link', { name: provisioned }).click(),
  ])
  await page.getByTestId('live-state').filter({ hasText: /^on / }).waitFor()
  // the demo reads every provisioned host's power state from MPS every 15 s: not read yet, or on
  t.regex((await page.getByTestId('field-powerState').textContent()) ?? '', /^(unknown|on)$/)
  const powerCalls: string[] = []
  page.on('request', (request) => {
    if (request.url().endsWith(`/hosts/${provisioned}/power`)) powerCalls.push(request.method())
  })
  const navigationsBefore = navigations.length
  const dialog = page.getByTestId('dialog-power')
  await page.getByTestId('power-action-select').selectOption('off')

  await page.getByTestId('action-power').click()
  await dialog.waitFor()
  t.regex((await dialog.textContent()) ?? '', new RegExp(`Send the power action off to ${provisioned} through MPS`))
  await page.getByTestId('dialog-power-cancel').click()
  await dialog.waitFor({ state: 'hidden' })
  t.deepEqual(powerCalls, [], 'Cancel sends nothing')
  t.is(await page.getByTestId('action-message').textContent(), '')
  t.like(await api(`/tenants/demo/hosts/${provisioned}`), { powerAction: null }, 'no action recorded')

  await page.getByTestId('action-power').click()
  await dialog.waitFor()
  await page.getByTestId('dialog-power-confirm').click()
  const message = page.locator('[data-testid="action-message"][data-outcome="ok"]')
  await message.waitFor()
  t.is(await message.textContent(), 'Power action off done: SUCCESS.')
  t.deepEqual(powerCalls, ['POST'])
  // the page re-fetches its fields panel after the API's answer, and again on the host's live changes
  await page.getByTestId('field-powerState').filter({ hasText: /^off$/ }).waitFor()
  t.regex((await page.getByTestId('field-powerAction').textContent()) ?? '', /^OFF: done · /)
  t.like(await api(`/tenants/demo/hosts/${provisioned}`), { powerState: 'off' }, 'read back from the MPS')
  t.deepEqual(navigations.slice(navigationsBefore), [], 'no reload: the page updated itself')
  const events = page.getByTestId('live-events').locator('li')
  await events.filter({ hasText: / · power off · power action OFF done$/ }).waitFor()
  t.true(
    (await events.allTextContents()).some((event) => / · power (unknown|on) · power action OFF pending$/.test(event)),
    'the live events tell the action’s steps apart',
  )
  await saveScreenshot(page, 'console-host-full')
  // for docs/img: the top of the page, down to the power fields the action changed
  await page.setViewportSize({ width: 1280, height: 1040 })
  await page.evaluate(() => window.scrollTo(0, 0))
  await saveScreenshot(page, 'console-host', { fullPage: false })

  // 5. the whole journey under the strict CSP without a console error
  t.deepEqual(problems, [])
})
