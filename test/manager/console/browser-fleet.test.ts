import test from 'ava'
import type { Page } from 'playwright-core'
import { openBrowser, saveScreenshot, signIn } from '../../helpers/browser.ts'
import { seed, startApi } from '../api/api-harness.ts'
import { startLiveFleet, TENANT, type PlannedHost } from './live-fleet.ts'

/** A wave's way to the page: the agents activate (simulated rpc latency), the stream, the fragments re-fetched. */
const LIVE_TIMEOUT_MS = 90_000
const TEST_TIMEOUT_MS = 300_000

const FLEET: readonly PlannedHost[] = [
  { hostId: 'amt-1', kind: 'amt', name: 'office-b' },
  { hostId: 'amt-2', kind: 'amt', name: 'lab-c' },
  { hostId: 'amt-3', kind: 'amt', name: 'lab-a' },
  { hostId: 'ism-1', kind: 'ism', name: 'office-a' },
  { hostId: 'none-1', kind: 'not-capable', name: 'kiosk' },
]

const hostsUrl = (url: string, query = '') => `${url}/console/tenants/${TENANT}/hosts${query}`

/** The host ids of the table's rows, top to bottom. */
const rowIds = (page: Page) =>
  page.locator('tr[data-host-id]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-host-id')))

/** Submits the filter form as a person does and waits for the filtered page. */
async function applyFilter(page: Page, change: () => Promise<unknown>): Promise<void> {
  await change()
  await Promise.all([page.waitForURL(/\/hosts\?/), page.getByTestId('filter-apply').click()])
}

const markDocument = (page: Page) =>
  page.evaluate(() => {
    ;(window as unknown as { liveMark?: string }).liveMark = 'kept'
  })
const markKept = (page: Page) => page.evaluate(() => (window as unknown as { liveMark?: string }).liveMark === 'kept')

/** Playwright's own waiting on the DOM: the wave's number `key` reads `count`. */
const waveShows = (page: Page, key: string, count: number) =>
  page.waitForFunction(
    ([testId, text]) => document.querySelector(`[data-testid="${testId}"]`)?.textContent === text,
    [`wave-${key}`, String(count)] as const,
    { timeout: LIVE_TIMEOUT_MS },
  )

test.serial(
  'the filter form narrows the rows (capability, AMT state, search) and the column headers sort them',
  async (t) => {
    t.timeout(TEST_TIMEOUT_MS)
    const world = await startLiveFleet(t, FLEET)
    const { page, problems } = await openBrowser(t)
    await signIn(page, world.url, await world.token('viewer', 'vera'))
    await page.goto(hostsUrl(world.url))
    t.deepEqual(await rowIds(page), ['amt-1', 'amt-2', 'amt-3', 'ism-1', 'none-1'])

    await applyFilter(page, () => page.getByLabel('Capability').selectOption('AMT'))
    t.deepEqual(await rowIds(page), ['amt-1', 'amt-2', 'amt-3'])
    t.is(await page.getByTestId('page-range').textContent(), '1–3 of 3')
    await applyFilter(page, () => page.getByLabel('Search id or name').fill('LAB'))
    t.deepEqual(await rowIds(page), ['amt-2', 'amt-3'], 'both filters hold; search ignores case and reads names')

    await page.getByText('Clear').click()
    await page.waitForURL((url) => url.search === '')
    await applyFilter(page, () => page.getByLabel('AMT state').selectOption('NOT_SUPPORTED'))
    t.deepEqual(await rowIds(page), ['none-1'], 'the not-capable agent reported NOT_SUPPORTED')
    await applyFilter(page, () => page.getByLabel('AMT state').selectOption('UNPROVISIONED'))
    t.deepEqual(await rowIds(page), ['amt-1', 'amt-2', 'amt-3', 'ism-1'])

    await Promise.all([page.waitForURL(/sort=name/), page.getByTestId('sort-name').click()])
    t.deepEqual(await rowIds(page), ['amt-3', 'amt-2', 'ism-1', 'amt-1'], 'by name: lab-a, lab-c, office-a, office-b')
    t.is(await page.getByRole('columnheader', { name: 'Name' }).getAttribute('aria-sort'), 'ascending')
    await Promise.all([page.waitForURL(/sort=-name/), page.getByTestId('sort-name').click()])
    t.deepEqual(await rowIds(page), ['amt-1', 'ism-1', 'amt-2', 'amt-3'], 'a second click reverses')
    t.is(await page.getByRole('columnheader', { name: 'Name' }).getAttribute('aria-sort'), 'descending')
    t.is(await page.getByLabel('AMT state').inputValue(), 'UNPROVISIONED', 'sorting keeps the filter')
    await saveScreenshot(page, 'console-hosts-filtered-sorted')
    t.deepEqual(problems, [])
  },
)

test.serial(
  'bulk activation by checkbox, then by "all matching the filter": the live region says how many, the progress counts the wave up to done, no reload',
  async (t) => {
    t.timeout(TEST_TIMEOUT_MS)
    const world = await startLiveFleet(t, FLEET)
    const { page, problems } = await openBrowser(t)
    await signIn(page, world.url, await world.token('operator', 'otto'))
    await page.goto(hostsUrl(world.url))
    await page.waitForSelector('html[data-console-ready="signed-in"]')
    await markDocument(page)

    await page.getByLabel('Select amt-1').check()
    t.is(await page.locator('[data-bulk-count]').textContent(), '1')
    await page.getByTestId('bulk-control-mode').selectOption('CCM')
    await page.getByTestId('bulk-activate').click()
    await page.waitForSelector('[data-testid="bulk-message"][data-outcome="ok"]', { timeout: LIVE_TIMEOUT_MS })
    t.is(await page.getByTestId('bulk-message').textContent(), 'Activation requested for 1 host.')
    await page.getByTestId('bulk-progress').waitFor({ state: 'visible' })
    t.is(await page.getByTestId('wave-targeted').textContent(), '1')
    await waveShows(page, 'done', 1)
    await waveShows(page, 'under-way', 0)
    await page.waitForSelector('tr[data-host-id="amt-1"][data-condition="PROVISIONED"]', { timeout: LIVE_TIMEOUT_MS })
    t.true(await page.getByLabel('Select amt-1').isChecked(), 'the live row kept its checkbox')
    t.true(await markKept(page), 'no reload')

    await page.goto(hostsUrl(world.url, '?capability=AMT&condition=UNPROVISIONED'))
    await page.waitForSelector('html[data-console-ready="signed-in"]')
    t.deepEqual(await rowIds(page), ['amt-2', 'amt-3'])
    await markDocument(page)
    await page.getByTestId('select-page').check()
    t.is(await page.locator('[data-bulk-count]').textContent(), '2', '"select all on this page" checks every row')
    await page.getByTestId('scope-filter').check()
    await page.getByTestId('bulk-activate').click()
    await page.waitForSelector('[data-testid="bulk-message"][data-outcome="ok"]', { timeout: LIVE_TIMEOUT_MS })
    t.is(await page.getByTestId('bulk-message').textContent(), 'Activation requested for 2 hosts.')
    await page.getByTestId('bulk-progress').waitFor({ state: 'visible' })
    await waveShows(page, 'targeted', 3)
    await waveShows(page, 'done', 3)
    await waveShows(page, 'under-way', 0)
    t.is(await page.getByTestId('wave-failed').textContent(), '0')
    for (const hostId of ['amt-2', 'amt-3'])
      await page.waitForSelector(`tr[data-host-id="${hostId}"][data-condition="PROVISIONED"]`, {
        timeout: LIVE_TIMEOUT_MS,
      })
    t.true(await markKept(page), 'no reload')
    const stored = await Promise.all(['amt-1', 'amt-2', 'amt-3', 'ism-1'].map((hostId) => world.host(hostId)))
    t.deepEqual(
      stored.map((host) => [host.hostId, host.currentState, host.desiredGeneration]),
      [
        ['amt-1', 'PROVISIONED', 1],
        ['amt-2', 'PROVISIONED', 1],
        ['amt-3', 'PROVISIONED', 1],
        ['ism-1', 'UNPROVISIONED', 0],
      ],
      'exactly the filter’s hosts were activated',
    )
    await saveScreenshot(page, 'console-bulk-activation-done')
    t.deepEqual(problems, [])
  },
)

test.serial('a viewer’s rendered pages have no action control: no checkbox, bulk form or host action', async (t) => {
  t.timeout(TEST_TIMEOUT_MS)
  const api = await startApi(t, { console: true })
  await seed(api.inventory, { acme: ['h1', 'h2'] })
  const { page, problems } = await openBrowser(t)
  await signIn(page, api.url, await api.token('viewer', 'acme', 'vera'))
  const buttons = () => page.getByRole('button').allTextContents()

  await page.goto(`${api.url}/console/tenants/acme/hosts`)
  await page.waitForSelector('html[data-console-ready="signed-in"]')
  t.deepEqual(await rowIds(page), ['h1', 'h2'])
  t.is(await page.getByRole('checkbox').count(), 0)
  t.is(await page.getByTestId('bulk-form').count(), 0)
  t.deepEqual((await buttons()).sort(), ['Apply', 'Sign out'], 'only the filter form and signing out')

  await page.goto(`${api.url}/console/tenants/acme/hosts/h1`)
  await page.waitForSelector('html[data-console-ready="signed-in"]')
  await page.getByTestId('host-page').waitFor()
  t.is(await page.getByTestId('host-actions').count(), 0)
  t.is(await page.locator('dialog').count(), 0)
  t.deepEqual(await buttons(), ['Sign out'])
  t.is(await page.locator('form:not([action$="/sign-out"])').count(), 0, 'no form but signing out')
  t.deepEqual(problems, [])
})
