import test from 'ava'
import type { Page } from 'playwright-core'
import { openBrowser, saveScreenshot, signIn } from '../../helpers/browser.ts'
import { startCuttableProxy } from './cuttable-proxy.ts'
import { callWithToken, startLiveFleet, TENANT, until } from './live-fleet.ts'

/** A change's way to the page: agent reports, the core's write path, the SSE stream, a fragment re-fetched. */
const LIVE_TIMEOUT_MS = 60_000
const TEST_TIMEOUT_MS = 300_000

const hostsUrl = (url: string) => `${url}/console/tenants/${TENANT}/hosts`
const hostUrl = (url: string, hostId: string) => `${url}/console/tenants/${TENANT}/hosts/${hostId}`

/** Marks the loaded document: a reload or a navigation would lose the mark. */
const markDocument = (page: Page) =>
  page.evaluate(() => {
    ;(window as unknown as { liveMark?: string }).liveMark = 'kept'
  })
const markKept = (page: Page) => page.evaluate(() => (window as unknown as { liveMark?: string }).liveMark === 'kept')

/** Playwright's own waiting on the DOM: the row of `hostId` shows `condition`. */
const rowShows = (page: Page, hostId: string, condition: string) =>
  page.waitForSelector(`tr[data-host-id="${hostId}"][data-condition="${condition}"]`, { timeout: LIVE_TIMEOUT_MS })
const hostPageShows = (page: Page, condition: string) =>
  page.waitForSelector(`[data-testid="amt-condition"][data-condition="${condition}"]`, { timeout: LIVE_TIMEOUT_MS })

test.serial(
  'activated through the API, a host turns PROVISIONED on its page and in the hosts table, without a reload',
  async (t) => {
    t.timeout(TEST_TIMEOUT_MS)
    const world = await startLiveFleet(t, [
      { hostId: 'amt-1', kind: 'amt' },
      { hostId: 'amt-2', kind: 'amt' },
      { hostId: 'ism-1', kind: 'ism' },
    ])
    const { page, context, problems } = await openBrowser(t)
    await signIn(page, world.url, await world.token('viewer', 'vera'))
    await page.goto(hostUrl(world.url, 'amt-1'))
    const table = await context.newPage()
    const tableProblems: string[] = []
    table.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') tableProblems.push(message.text())
    })
    table.on('pageerror', (err) => tableProblems.push(err.message))
    await table.goto(hostsUrl(world.url))
    for (const tab of [page, table]) await tab.waitForSelector('html[data-console-ready="signed-in"]')
    await hostPageShows(page, 'UNPROVISIONED')
    await rowShows(table, 'amt-1', 'UNPROVISIONED')
    t.is(await page.getByTestId('field-currentState').textContent(), 'UNPROVISIONED')
    await markDocument(page)
    await markDocument(table)

    const operator = await world.token('operator', 'otto')
    const answer = await callWithToken(world.url, operator, 'PATCH', `/api/v1/tenants/${TENANT}/hosts/amt-1/amt`, {
      desiredAmtState: 'PROVISIONED',
    })
    t.is(answer.status, 200)

    await hostPageShows(page, 'PROVISIONED')
    await rowShows(table, 'amt-1', 'PROVISIONED')
    t.is((await world.host('amt-1')).currentState, 'PROVISIONED', 'the agent activated it for real')
    t.is(await page.getByTestId('field-currentState').textContent(), 'PROVISIONED')
    t.regex((await table.locator('tr[data-host-id="amt-1"] [data-testid="generation"]').textContent()) ?? '', /^1 \/ 1/)
    t.is(await table.locator('tr[data-host-id="amt-2"]').getAttribute('data-condition'), 'UNPROVISIONED')
    t.regex((await page.getByTestId('live-events').textContent()) ?? '', /PROVISIONED/, 'listed as a live event')
    t.true(await markKept(page), 'the host page was not reloaded')
    t.true(await markKept(table), 'the hosts table was not reloaded')
    await saveScreenshot(page, 'console-live-host-provisioned')
    await saveScreenshot(table, 'console-live-table-provisioned')
    t.deepEqual(problems, [])
    t.deepEqual(tableProblems, [])
  },
)

test.serial(
  'a page whose event stream broke while its host changed shows the change once the stream resumes by Last-Event-ID',
  async (t) => {
    t.timeout(TEST_TIMEOUT_MS)
    const world = await startLiveFleet(t, [
      { hostId: 'amt-1', kind: 'amt' },
      { hostId: 'amt-2', kind: 'amt' },
    ])
    const proxy = await startCuttableProxy(t, world.url)
    const { page, problems } = await openBrowser(t)
    await signIn(page, proxy.url, await world.token('viewer', 'vera'))
    await page.goto(hostUrl(proxy.url, 'amt-1'))
    await page.waitForSelector('html[data-console-ready="signed-in"]')
    await hostPageShows(page, 'UNPROVISIONED')
    // The host page's stream is live, and it is the only open one: the overview's (where signing in landed) is
    // closed with its page — if its request left the browser at all before the navigation cancelled it.
    await page.getByTestId('live-state').filter({ hasText: /^on/ }).waitFor()
    const live = () => proxy.streamRequests.filter((stream) => stream.open)
    await until(
      () => (live().length === 1 && live()[0]?.ready) || `${live().length} open streams, not one ready yet`,
      'the host page’s stream to be the one live stream',
    )
    await markDocument(page)
    const opened = proxy.streamRequests.findIndex((stream) => stream.open)

    proxy.cut()
    const operator = await world.token('operator', 'otto')
    const answer = await callWithToken(world.url, operator, 'PATCH', `/api/v1/tenants/${TENANT}/hosts/amt-1/amt`, {
      desiredAmtState: 'PROVISIONED',
    })
    t.is(answer.status, 200)
    await until(
      async () => (await world.host('amt-1')).currentState === 'PROVISIONED' || 'not provisioned yet',
      'the activation, while the page is cut off',
    )
    t.is(await page.getByTestId('amt-condition').getAttribute('data-condition'), 'UNPROVISIONED', 'nothing arrived')
    proxy.resume()

    await hostPageShows(page, 'PROVISIONED')
    t.true(await markKept(page), 'the page was not reloaded')
    const [first, ...reconnects] = proxy.streamRequests.slice(opened)
    t.is(first?.lastEventId, null, 'the page’s first stream starts from now')
    t.true(reconnects.length > 0 && reconnects.every((request) => request.lastEventId !== null), 'resumed by its id')
    const events = (await page.getByTestId('live-events').textContent()) ?? ''
    t.regex(events, /PROVISIONED · phase PROVISIONED/, 'the missed changes were replayed')
    t.notRegex(events, /resync/, 'replayed, not resynchronised')
    // The cut itself is the only thing that went wrong: the broken stream's request, nothing else.
    t.deepEqual(
      problems.filter((problem) => !problem.includes(`/api/v1/tenants/${TENANT}/hosts/changes`)),
      [],
      problems.join('\n'),
    )
  },
)
