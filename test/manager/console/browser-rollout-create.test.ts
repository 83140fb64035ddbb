import test, { type ExecutionContext } from 'ava'
import type { Page } from 'playwright-core'
import type { HostPatch } from '../../../manager/inventory/port.ts'
import { axeViolations } from '../../helpers/axe.ts'
import { openBrowser, saveScreenshot, signIn } from '../../helpers/browser.ts'
import { capable } from '../../helpers/manager-core.ts'
import type { MpsPasswordCopy } from '../../../manager/ports/provisioning.ts'
import { seed, stagingRotator, startApi, type ApiHarness, type HarnessOptions } from '../api/api-harness.ts'

/** A navigation, a fetch and the page script on a loaded machine. */
const PAGE_TIMEOUT_MS = 30_000
const REPORT = {
  v: 1,
  ts: '2026-01-01T00:00:00.000Z',
  hostId: 'x',
  bootId: '00000000-0000-4000-8000-000000000000',
  seq: 1,
} as const
const AMT: HostPatch = { sku: 'AMT', capability: { ...REPORT, ...capable('AMT') } }
const HOSTS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6']
const LABELS: Record<string, Record<string, string>> = {
  h1: { site: 'berlin' },
  h2: { site: 'berlin', rack: '7' },
  h4: { site: 'berlin' },
  h5: { site: 'paris', rack: '7' },
}

/** acme's six AMT hosts, four labelled; group berlin (site=berlin, ccm); a browser signed in with the role. */
async function world(t: ExecutionContext, role: 'operator' | 'viewer', rotation?: HarnessOptions['rotation']) {
  const api = await startApi(t, { console: true, ...(rotation === undefined ? {} : { rotation }) })
  await seed(api.inventory, { acme: HOSTS })
  for (const hostId of HOSTS) await api.inventory.updateHost({ tenantId: 'acme', hostId }, AMT)
  for (const [hostId, labels] of Object.entries(LABELS))
    await api.inventory.updateHost({ tenantId: 'acme', hostId }, { labels })
  const admin = await api.token('admin', 'acme', 'ada')
  const group = { selector: { labels: { site: 'berlin' } }, priority: 10, policy: { amt: 'ccm' } }
  const put = await api.request('PUT', '/api/v1/tenants/acme/groups/berlin', { token: admin, body: group })
  if (put.status !== 200) throw new Error(`the group was refused: ${put.text}`)
  const { page, problems } = await openBrowser(t)
  await signIn(page, api.url, await api.token(role, 'acme', 'otto'))
  const open = async (path: string) => {
    await page.goto(`${api.url}${path}`)
    await page.locator('html[data-console-ready="signed-in"]').waitFor({ state: 'attached' })
  }
  return { api, page, problems, open, admin }
}

const rowIds = (page: Page) =>
  page.locator('tr[data-host-id]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-host-id')))

const generations = async (api: ApiHarness) =>
  (await api.inventory.listHosts({ tenantId: 'acme' })).hosts.map((host) => `${host.hostId}:${host.desiredGeneration}`)

/** The page that opened after a creation: the rollout's; its id from the URL. */
async function rolloutOpened(page: Page): Promise<string> {
  await page.waitForURL(/\/console\/tenants\/acme\/rollouts\/[^/?#]+$/, { timeout: PAGE_TIMEOUT_MS })
  await page.locator('html[data-console-ready="signed-in"]').waitFor({ state: 'attached' })
  return decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1) ?? '')
}

test('the label filter shows only the labelled hosts, in the URL; "all matching" activates exactly them', async (t) => {
  const { api, page, problems, open } = await world(t, 'operator')
  await open('/console/tenants/acme/hosts')
  await page.getByTestId('filter-label').fill('site=berlin rack')
  await Promise.all([page.waitForURL(/label=/), page.getByTestId('filter-apply').click()])
  await page.locator('html[data-console-ready="signed-in"]').waitFor({ state: 'attached' })
  t.deepEqual(await rowIds(page), ['h2'])
  t.is(new URL(page.url()).searchParams.get('label'), 'site=berlin rack')
  await page.getByTestId('filter-label').fill('site=berlin')
  await Promise.all([page.waitForURL(/label=site%3Dberlin&/), page.getByTestId('filter-apply').click()])
  await page.locator('html[data-console-ready="signed-in"]').waitFor({ state: 'attached' })
  t.deepEqual(await rowIds(page), ['h1', 'h2', 'h4'])
  t.is(await page.getByTestId('page-range').textContent(), '1–3 of 3')

  await page.getByTestId('scope-filter').check()
  await page.getByTestId('bulk-activate').click()
  await page.waitForSelector('[data-testid="bulk-message"][data-outcome="ok"]', { timeout: PAGE_TIMEOUT_MS })
  t.is(await page.getByTestId('bulk-message').textContent(), 'Activation requested for 3 hosts.')
  t.deepEqual(await generations(api), ['h1:1', 'h2:1', 'h3:0', 'h4:1', 'h5:0', 'h6:0'])
  t.deepEqual(problems, [])
})

test('"as a rollout" from the hosts table: the controls given are on the rollout’s page, with its counts', async (t) => {
  const { api, page, problems, open, admin } = await world(t, 'operator')
  await open('/console/tenants/acme/hosts?label=rack')
  t.deepEqual(await rowIds(page), ['h2', 'h5'])
  await page.locator('details summary', { hasText: 'Rollout controls' }).click()
  t.deepEqual(await axeViolations(page), [], 'the hosts page with the rollout controls open')
  await page.getByTestId('scope-filter').check()
  await page.getByTestId('bulk-action').selectOption('UNPROVISIONED')
  await page.getByTestId('bulk-as-rollout').check()
  await page.getByTestId('rollout-max-concurrent').fill('1')
  await page.getByTestId('rollout-rate').fill('30')
  await page.getByTestId('rollout-canary').fill('50')
  await page.getByTestId('rollout-canary-unit').selectOption('percent')
  await page.getByTestId('rollout-approval').selectOption('automatic')
  await page.getByTestId('rollout-approve-at').fill('90')
  await page.getByTestId('rollout-abort-percent').fill('20')
  await page.getByTestId('rollout-abort-min').fill('2')
  await page.getByTestId('rollout-window-timezone').fill('Europe/Berlin')
  await page.getByTestId('rollout-window-start').fill('22:00')
  await page.getByTestId('rollout-window-end').fill('05:00')
  await page.getByTestId('rollout-window-day-6').check()
  await page.getByTestId('bulk-activate').click()
  const id = await rolloutOpened(page)

  const controls = await page.getByTestId('rollout-controls').innerText()
  for (const shown of [
    /at most in progress\s+1\b/,
    /starts per minute\s+30 now, at most 30/,
    /canary\s+50 %, approved at 90 % success/,
    /abort\s+above 20 % failed, once 2 finished/,
    /window\s+days 1,2,3,4,5,6 22:00–05:00 Europe\/Berlin/,
  ])
    t.regex(controls, shown)
  t.is(await page.getByTestId('rollout-pending').textContent(), '2')
  t.deepEqual(await axeViolations(page), [], 'the rollout page')
  const stored = await api.request('GET', `/api/v1/tenants/acme/rollouts/${id}`, { token: admin })
  t.like(stored.json, {
    desiredAmtState: 'UNPROVISIONED',
    createdBy: 'api:otto',
    target: { filter: { label: ['rack'] } },
    controls: {
      maxConcurrent: 1,
      maxStartsPerMinute: 30,
      canary: { percent: 50, approval: { successPercent: 90 } },
      abort: { failurePercent: 20, minFinished: 2 },
      window: { timezone: 'Europe/Berlin', days: [1, 2, 3, 4, 5, 6], start: '22:00', end: '05:00' },
    },
    progress: { targeted: 2, pending: 2 },
  })
  t.deepEqual(await generations(api), ['h1:0', 'h2:0', 'h3:0', 'h4:0', 'h5:0', 'h6:0'], 'nothing written at once')

  await open('/console/tenants/acme/hosts')
  await page.getByTestId('bulk-as-rollout').check()
  await page.getByTestId('scope-filter').check()
  await page.locator('details summary', { hasText: 'Rollout controls' }).click()
  await page.getByTestId('rollout-max-concurrent').fill('0')
  await page.getByTestId('bulk-activate').click()
  await page.waitForSelector('[data-testid="bulk-message"][data-outcome="error"]', { timeout: PAGE_TIMEOUT_MS })
  t.regex(
    (await page.getByTestId('bulk-message').textContent()) ?? '',
    /^Activation rollout was not requested: .*maxConcurrent/,
  )
  t.true(
    problems.every((problem) => /400 \(Bad Request\)/.test(problem)),
    problems.join('\n'),
  )
})

test('"roll out this group’s policy" from the group page opens the rollout of its drifted hosts', async (t) => {
  const { api, page, problems, open, admin } = await world(t, 'operator')
  await open('/console/tenants/acme/groups')
  await Promise.all([page.waitForURL(/\/groups\/berlin$/), page.getByRole('link', { name: 'berlin' }).click()])
  await page.locator('html[data-console-ready="signed-in"]').waitFor({ state: 'attached' })
  t.is(await page.getByTestId('group-drift').textContent(), '3 hosts differ from the policy.')
  t.deepEqual(await axeViolations(page), [], 'the group page')
  await page.getByTestId('rollout-max-concurrent').fill('2')
  await page.getByTestId('rollout-rate').fill('120')
  await page.getByTestId('rollout-canary').fill('1')
  await page.getByTestId('group-rollout').click()
  const id = await rolloutOpened(page)
  t.regex(await page.getByTestId('rollout-controls').innerText(), /canary\s+1 hosts, approved by an operator/)
  t.is(await page.getByTestId('rollout-pending').textContent(), '3')
  const stored = await api.request('GET', `/api/v1/tenants/acme/rollouts/${id}/hosts`, { token: admin })
  t.deepEqual(
    (stored.json.hosts as { hostId: string }[]).map((member) => member.hostId),
    ['h1', 'h2', 'h4'],
  )
  await saveScreenshot(page, 'console-group-rollout-created')
  t.deepEqual(problems, [])
})

test('a viewer gets neither form, and the API refuses the viewer’s session a rollout, even with its CSRF token', async (t) => {
  const { api, page, open, admin } = await world(t, 'viewer')
  await open('/console/tenants/acme/hosts')
  t.is(await page.getByTestId('bulk-form').count(), 0)
  t.is(await page.getByTestId('bulk-as-rollout').count(), 0)
  await open('/console/tenants/acme/groups/berlin')
  t.is(await page.getByTestId('group-drift').textContent(), '3 hosts differ from the policy.')
  t.is(await page.getByTestId('group-rollout-form').count(), 0)
  t.deepEqual(await axeViolations(page), [], "a viewer's group page")
  const controls = { maxConcurrent: 1, maxStartsPerMinute: 10 }
  const calls: [string, unknown][] = [
    ['/api/v1/tenants/acme/groups/berlin/rollout', { controls }],
    ['/api/v1/tenants/acme/amt/bulk', { desiredAmtState: 'PROVISIONED', rollout: controls }],
    ['/api/v1/tenants/acme/amt/rotate-password', { hostIds: ['h1'], controls }],
  ]
  // No named function inside: the page gets the function's source as tsx compiled it.
  const forged = await page.evaluate(async (list) => {
    const csrf = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? ''
    const answers: [number, string | undefined][] = []
    for (const [url, body] of list) {
      const headers = { 'content-type': 'application/json', 'x-csrf-token': csrf }
      const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) })
      answers.push([response.status, ((await response.json()) as { code?: string }).code])
    }
    return answers
  }, calls)
  t.deepEqual(forged, [
    [403, 'FORBIDDEN'],
    [403, 'FORBIDDEN'],
    [403, 'FORBIDDEN'],
  ])
  const rollouts = await api.request('GET', '/api/v1/tenants/acme/rollouts', { token: admin })
  t.deepEqual(rollouts.json.rollouts, [])
})

test('a password rotation from the hosts table is always a rollout: its hosts and controls on the rollout’s page', async (t) => {
  const { api, page, problems, open, admin } = await world(t, 'operator', { rotator: stagingRotator })
  await open('/console/tenants/acme/hosts?label=site%3Dberlin')
  t.deepEqual(await rowIds(page), ['h1', 'h2', 'h4'])
  t.false(await page.getByTestId('bulk-as-rollout').isChecked())
  await page.getByTestId('bulk-action').selectOption('rotate-password')
  t.true(await page.getByTestId('bulk-as-rollout').isChecked(), 'a rotation is always a rollout')
  t.true(await page.getByTestId('bulk-as-rollout').isDisabled())
  t.true(await page.getByTestId('bulk-control-mode').isDisabled())
  await page.locator('details summary', { hasText: 'Rollout controls' }).click()
  t.deepEqual(await axeViolations(page), [], 'the hosts page with a rotation chosen')
  await page.getByTestId('scope-filter').check()
  await page.getByTestId('rollout-max-concurrent').fill('2')
  await page.getByTestId('rollout-rate').fill('12')
  await page.getByTestId('rollout-canary').fill('1')
  await page.getByTestId('rollout-abort-percent').fill('50')
  await page.getByTestId('rollout-abort-min').fill('2')
  await page.getByTestId('bulk-activate').click()
  const id = await rolloutOpened(page)

  t.regex(await page.locator('main').innerText(), /rotate-password · created .* by api:otto/)
  const controls = await page.getByTestId('rollout-controls').innerText()
  for (const shown of [
    /at most in progress\s+2\b/,
    /starts per minute\s+12 now, at most 12/,
    /canary\s+1 hosts, approved by an operator/,
    /abort\s+above 50 % failed, once 2 finished/,
  ])
    t.regex(controls, shown)
  t.is(await page.getByTestId('rollout-pending').textContent(), '3')
  t.deepEqual(await axeViolations(page), [], 'the rotation rollout page')
  const stored = await api.request('GET', `/api/v1/tenants/acme/rollouts/${id}`, { token: admin })
  t.like(stored.json, {
    action: 'rotate-password',
    createdBy: 'api:otto',
    target: { filter: { label: ['site=berlin'] } },
    controls: { maxConcurrent: 2, maxStartsPerMinute: 12, canary: { hosts: 1, approval: 'manual' } },
    progress: { targeted: 3, pending: 3 },
  })
  t.false('desiredAmtState' in stored.json)
  const members = await api.request('GET', `/api/v1/tenants/acme/rollouts/${id}/hosts`, { token: admin })
  t.deepEqual(
    (members.json.hosts as { hostId: string }[]).map((member) => member.hostId),
    ['h1', 'h2', 'h4'],
  )
  const rotations = (await api.inventory.listHosts({ tenantId: 'acme' })).hosts.map((host) => host.rotation)
  t.deepEqual(rotations, Array<null>(HOSTS.length).fill(null), 'nothing rotated at once: the engine starts members')

  // Another action gives "as a rollout" back as it was chosen.
  await open('/console/tenants/acme/hosts')
  for (const asRollout of [true, false]) {
    await page.getByTestId('bulk-as-rollout').setChecked(asRollout)
    await page.getByTestId('bulk-action').selectOption('rotate-password')
    await page.getByTestId('bulk-action').selectOption('UNPROVISIONED')
    t.is(await page.getByTestId('bulk-as-rollout').isChecked(), asRollout)
    t.true(await page.getByTestId('bulk-as-rollout').isEnabled())
    t.true(await page.getByTestId('bulk-control-mode').isEnabled())
  }
  t.deepEqual(problems, [])
})

test('a rotation the API refuses (an MPS configured, its copy not) says why; nothing is created', async (t) => {
  const mpsCopy: MpsPasswordCopy = { mode: 'unconfigured', copy: () => Promise.resolve('absent') }
  const { api, page, problems, open, admin } = await world(t, 'operator', { rotator: stagingRotator, mpsCopy })
  await open('/console/tenants/acme/hosts')
  await page.locator('input[data-bulk-host][value="h3"]').check()
  await page.getByTestId('bulk-action').selectOption('rotate-password')
  await page.locator('details summary', { hasText: 'Rollout controls' }).click()
  await page.getByTestId('rollout-max-concurrent').fill('1')
  await page.getByTestId('rollout-rate').fill('6')
  await page.getByTestId('bulk-activate').click()
  await page.waitForSelector('[data-testid="bulk-message"][data-outcome="error"]', { timeout: PAGE_TIMEOUT_MS })
  t.regex(
    (await page.getByTestId('bulk-message').textContent()) ?? '',
    /^Password rotation rollout was not requested: an MPS is configured: set rotation\.mpsPasswordCopy to vault /,
  )
  t.true(new URL(page.url()).pathname.endsWith('/hosts'), 'no rollout page opened')
  t.true(await page.getByTestId('bulk-activate').isEnabled())
  const rollouts = await api.request('GET', '/api/v1/tenants/acme/rollouts', { token: admin })
  t.deepEqual(rollouts.json.rollouts, [])
  t.true(problems.length > 0 && problems.every((problem) => /409 \(Conflict\)/.test(problem)), problems.join('\n'))
})
