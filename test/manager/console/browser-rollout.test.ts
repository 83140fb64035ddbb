import test, { type ExecutionContext } from 'ava'
import type { Page } from 'playwright-core'
import { axeViolations } from '../../helpers/axe.ts'
import { openBrowser, saveScreenshot, signIn } from '../../helpers/browser.ts'
import { seed, startApi, type ApiHarness } from '../api/api-harness.ts'

/** A change's way to the page: the engine's start, the core's write path, the SSE stream, the fragment re-fetched. */
const LIVE_TIMEOUT_MS = 30_000

interface RolloutWorld {
  api: ApiHarness
  page: Page
  problems: string[]
  id: string
  operator: string
}

/** Six hosts of acme, a rollout of them two at a time, and a browser signed in as an operator on its page. */
async function rolloutPage(t: ExecutionContext): Promise<RolloutWorld> {
  const api = await startApi(t, { console: true })
  await seed(api.inventory, { acme: ['h0', 'h1', 'h2', 'h3', 'h4', 'h5'] })
  const operator = await api.token('operator', 'acme', 'otto')
  const created = await api.request('POST', '/api/v1/tenants/acme/rollouts', {
    token: operator,
    body: { desiredAmtState: 'PROVISIONED', filter: {}, controls: { maxConcurrent: 2, maxStartsPerMinute: 6000 } },
  })
  if (created.status !== 201) throw new Error(`the rollout was refused: ${created.text}`)
  const id = created.json.rolloutId as string
  const { page, problems } = await openBrowser(t)
  await signIn(page, api.url, operator)
  await page.goto(`${api.url}/console/tenants/acme/rollouts/${id}`)
  await page.locator('html[data-console-ready="signed-in"]').waitFor({ state: 'attached' })
  return { api, page, problems, id, operator }
}

/** Playwright's own waiting on the DOM: the live count `name` shows `count`. */
const shows = (page: Page, name: string, count: number) =>
  page
    .getByTestId(`rollout-${name}`)
    .filter({ hasText: new RegExp(`^${count}$`) })
    .waitFor({ timeout: LIVE_TIMEOUT_MS })

test('a rollout’s page follows its progress live, and its pause button pauses it (nothing more starts)', async (t) => {
  const { api, page, problems, id, operator } = await rolloutPage(t)
  await shows(page, 'pending', 6)
  t.is(await page.getByTestId('rollout-state').textContent(), 'running')
  t.deepEqual(await axeViolations(page), [], 'the rollout page: no WCAG 2.1 AA violation')
  await page.evaluate(() => ((window as unknown as { mark?: string }).mark = 'kept'))

  await api.rollouts.tick()
  await shows(page, 'in-progress', 2)
  await shows(page, 'pending', 4)
  t.true(await page.evaluate(() => (window as unknown as { mark?: string }).mark === 'kept'), 'not reloaded')

  await page.getByTestId('rollout-pause').click()
  await page
    .getByTestId('rollout-state')
    .filter({ hasText: /^paused$/ })
    .waitFor({ timeout: LIVE_TIMEOUT_MS })
  t.regex((await page.getByTestId('rollout-message').textContent()) ?? '', /pause: done, the rollout is paused/)
  t.regex((await page.getByTestId('rollout-reason').textContent()) ?? '', /^paused by api:otto$/)
  t.is(await page.getByTestId('rollout-pause').count(), 0, 'a paused rollout offers resume and cancel')
  t.is(await page.getByTestId('rollout-resume').count(), 1)

  // Both started hosts finish; paused, the engine follows them but starts no other.
  for (const hostId of ['h0', 'h1'])
    await api.inventory.updateHost(
      { tenantId: 'acme', hostId },
      { currentState: 'PROVISIONED', phase: 'PROVISIONED', observedGeneration: 1, statusIndicator: 'IDLE' },
    )
  await api.rollouts.tick()
  await api.rollouts.tick()
  const read = await api.request('GET', `/api/v1/tenants/acme/rollouts/${id}`, { token: operator })
  t.like(read.json, { state: 'paused', progress: { succeeded: 2, inProgress: 0, pending: 4 } })
  t.is(api.outbound.last({ tenantId: 'acme', hostId: 'h2' }, 'desired'), undefined, 'h2 never got a desired state')
  await saveScreenshot(page, 'console-rollout-paused')
  await page.goto(`${api.url}/console/tenants/acme/rollouts`)
  t.deepEqual(await axeViolations(page), [], 'the rollouts list: no WCAG 2.1 AA violation')
  t.deepEqual(problems, [])
})

test('the rollout’s buttons are reached with Tab and pressed with Enter; an action without the CSRF token is refused', async (t) => {
  const { api, page, problems, id, operator } = await rolloutPage(t)
  const stops: string[] = []
  while (stops.at(-1) !== 'rollout-pause') {
    if (stops.length === 40) throw new Error(`no pause button within 40 tabs: ${stops.join(', ')}`)
    await page.keyboard.press('Tab')
    stops.push(await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? ''))
  }
  t.true(stops.length > 3, 'the skip link and the navigation come first')
  await page.keyboard.press('Enter')
  await page
    .getByTestId('rollout-state')
    .filter({ hasText: /^paused$/ })
    .waitFor({ timeout: LIVE_TIMEOUT_MS })

  const forged = await page.evaluate(async (url) => {
    const response = await fetch(url, { method: 'POST', credentials: 'same-origin' })
    return { status: response.status, code: ((await response.json()) as { code?: string }).code }
  }, `/api/v1/tenants/acme/rollouts/${id}/resume`)
  t.deepEqual(forged, { status: 403, code: 'CSRF_REJECTED' })
  const read = await api.request('GET', `/api/v1/tenants/acme/rollouts/${id}`, { token: operator })
  t.is(read.json.state, 'paused', 'the forged resume changed nothing')
  t.true(
    problems.every((problem) => /403 \(Forbidden\).*\/resume\)$/.test(problem)),
    problems.join('\n'),
  )
})
