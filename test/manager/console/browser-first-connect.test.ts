import test from 'ava'
import type { Page, Route } from 'playwright-core'
import { fleetBrowser, hostsPath, TENANT, type FleetBrowser } from './signed-in-fleet.ts'

/** A change's way to the page once its stream is let through: the stream opens, a fragment is re-fetched. */
const LIVE_TIMEOUT_MS = 60_000

/**
 * Holds the page's event stream back (the request waits in the browser, unanswered) from now on: what the network
 * may do between a page's render and its stream's first connect. `release` lets every held stream go on.
 */
async function holdStreams(page: Page) {
  const held: Route[] = []
  let arrived: () => void = () => undefined
  const first = new Promise<void>((resolve) => (arrived = resolve))
  await page.route('**/api/v1/tenants/*/hosts/changes', (route) => {
    held.push(route)
    arrived()
  })
  return {
    /** Resolves once the page script asked for its stream (the page has rendered and its script runs). */
    asked: () => first,
    release: async () => {
      for (const route of held.splice(0)) await route.continue()
      await page.unroute('**/api/v1/tenants/*/hosts/changes')
    },
  }
}

/** A change through the API and the core's write path: i1 asked to be PROVISIONED (a wave target, generation 1). */
async function activateI1(api: FleetBrowser['api']): Promise<void> {
  const answer = await api.request('PATCH', `/api/v1/tenants/${TENANT}/hosts/i1/amt`, {
    token: await api.token('operator', TENANT, 'otto'),
    body: { desiredAmtState: 'PROVISIONED' },
  })
  if (answer.status !== 200) throw new Error(`PATCH i1: HTTP ${answer.status}`)
}

test('the overview re-reads its counts when its stream first connects: a change before that is not missed', async (t) => {
  const { page, api, open, problems } = await fleetBrowser(t, 'viewer')
  const stream = await holdStreams(page)
  await open(`/console/tenants/${TENANT}`)
  await stream.asked()
  t.is(await page.getByTestId('wave-targeted').textContent(), '3')

  await activateI1(api)
  t.is(await page.getByTestId('wave-targeted').textContent(), '3', 'the page cannot know yet')
  await stream.release()
  await page.waitForFunction(
    () => document.querySelector('[data-testid="wave-targeted"]')?.textContent === '4',
    undefined,
    { timeout: LIVE_TIMEOUT_MS },
  )
  t.is(await page.getByTestId('count-condition-ACTIVATING').locator('.count').textContent(), '2')
  t.deepEqual(problems, [])
})

test('the hosts table re-reads its rows when its stream first connects: a change before that is not missed', async (t) => {
  const { page, api, open, problems } = await fleetBrowser(t, 'viewer')
  const stream = await holdStreams(page)
  await open(hostsPath())
  await stream.asked()
  const generation = page.locator('tr[data-host-id="i1"] [data-testid="generation"]')
  t.is(await generation.textContent(), '0 / 0')

  await activateI1(api)
  await stream.release()
  await page.waitForSelector('tr[data-host-id="i1"][data-condition="ACTIVATING"]', { timeout: LIVE_TIMEOUT_MS })
  t.regex((await generation.textContent()) ?? '', /^0 \/ 1/)
  t.deepEqual(problems, [])
})
