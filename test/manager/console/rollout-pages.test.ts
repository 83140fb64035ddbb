import test from 'ava'
import { ACTIVATION_FAILED_PREFIX } from '../../../manager/core/publish/status-texts.ts'
import { seed, startApi, type ApiHarness } from '../api/api-harness.ts'

const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${String(i).padStart(3, '0')}`)

/** A rollout of `count` hosts of tenant acme with a manual canary of 2; its id. */
async function createRollout(api: ApiHarness, count: number): Promise<string> {
  await seed(api.inventory, { acme: hosts(count), other: ['x1'] })
  const created = await api.request('POST', '/api/v1/tenants/acme/rollouts', {
    token: await api.token('operator', 'acme', 'ops'),
    body: {
      desiredAmtState: 'PROVISIONED',
      amtControlMode: 'CCM',
      filter: {},
      controls: { maxConcurrent: 2, maxStartsPerMinute: 6000, canary: { hosts: 2, approval: 'manual' } },
    },
  })
  if (created.status !== 201) throw new Error(`the rollout was refused: ${created.text}`)
  return created.json.rolloutId as string
}

const numberOf = (html: string, testId: string): number | null => {
  const match = new RegExp(`data-testid="${testId}">(\\d+)<`).exec(html)
  return match?.[1] === undefined ? null : Number(match[1])
}

test('the rollouts page lists the tenant’s rollouts with state and a progress bar; the navigation links to it', async (t) => {
  const api = await startApi(t, { console: true })
  const id = await createRollout(api, 4)
  const token = await api.token('viewer', 'acme')
  const page = await api.request('GET', '/console/tenants/acme/rollouts', { token })
  t.is(page.status, 200)
  t.regex(page.text, new RegExp(`<a href="/console/tenants/acme/rollouts/${id}">${id}</a>`))
  t.regex(page.text, /<td>canary<\/td><td>PROVISIONED CCM<\/td>/)
  t.regex(page.text, /<progress max="4" value="0" aria-label="rollout [^"]+: members finished"/)
  t.regex(page.text, /<a href="\/console\/tenants\/acme\/rollouts">Rollouts<\/a>/)
  t.notRegex(page.text, /style=|<script(?![^>]*src=)/, 'nothing the CSP would refuse')

  const empty = await api.request('GET', '/console/tenants/other/rollouts', { token: await api.token('admin', '*') })
  t.regex(empty.text, /data-testid="no-rollouts"/)
  const elsewhere = await api.request('GET', '/console/tenants/other/rollouts', { token })
  t.is(elsewhere.status, 404, 'another tenant’s rollouts are the Not found page')
})

test('a rollout’s page: counts, controls, reason, failed members by error, members by status in pages', async (t) => {
  const api = await startApi(t, { console: true })
  const id = await createRollout(api, 60)
  await api.rollouts.tick()
  await api.inventory.updateHost(
    { tenantId: 'acme', hostId: 'h000' },
    {
      currentState: 'PROVISIONED',
      phase: 'PROVISIONED',
      controlMode: 'CCM',
      observedGeneration: 1,
      statusIndicator: 'IDLE',
    },
  )
  await api.inventory.updateHost(
    { tenantId: 'acme', hostId: 'h001' },
    {
      currentState: 'UNPROVISIONED',
      phase: 'FAILED',
      observedGeneration: 1,
      statusIndicator: 'ERROR',
      status: `${ACTIVATION_FAILED_PREFIX}: ActivationFailed: the RPS refused`,
    },
  )
  await api.rollouts.tick()
  const token = await api.token('viewer', 'acme')
  const path = `/console/tenants/acme/rollouts/${id}`
  const page = await api.request('GET', path, { token })
  t.is(page.status, 200, page.text)
  const expected = {
    'rollout-targeted': 60,
    'rollout-pending': 58,
    'rollout-in-progress': 0,
    'rollout-succeeded': 1,
    'rollout-failed': 1,
    'rollout-not-supported': 0,
    'rollout-skipped': 0,
  }
  for (const [testId, count] of Object.entries(expected)) t.is(numberOf(page.text, testId), count, testId)
  t.regex(page.text, /data-testid="rollout-state">aborted</, 'a failed canary host aborts it')
  t.regex(page.text, /data-testid="rollout-reason">canary failed: 1 of 2 canary hosts failed; 58 hosts left untouched</)
  t.regex(page.text, /<progress max="60" value="2" aria-label="members finished"/)
  t.regex(page.text, /data-testid="rollout-failed-by-error">.*<tr><td>ActivationFailed<\/td><td>1<\/td><\/tr>/)
  t.regex(page.text, /<dt>canary<\/dt><dd>2 hosts, approved by an operator<\/dd>/)
  t.regex(page.text, /<dt>starts per minute<\/dt><dd>6000 now, at most 6000<\/dd>/)
  t.regex(page.text, new RegExp(`data-rollout-api="/api/v1/tenants/acme/rollouts/${id}"`))
  t.regex(
    page.text,
    new RegExp(`data-rollout-live="/console/tenants/acme/rollouts/${id}/progress" data-tenant-id="acme"`),
  )
  t.notRegex(page.text, /data-rollout-actions|data-testid="rollout-pause"/, 'a viewer gets no button')
  t.regex(page.text, /data-testid="member-h000"><td>1 \(canary\)<\/td>/)
  t.regex(page.text, /data-testid="member-h049"/)
  t.notRegex(page.text, /data-testid="member-h050"/, 'fifty members a page')
  t.regex(page.text, new RegExp(`href="${path}\\?after=49#members-heading" data-testid="members-next"`))

  const next = await api.request('GET', `${path}?after=49`, { token })
  t.regex(next.text, /data-testid="member-h050"/)
  t.regex(next.text, /data-testid="member-h059"/)
  t.notRegex(next.text, /data-testid="member-h049"|members-next/)

  const failed = await api.request('GET', `${path}?status=failed`, { token })
  t.regex(failed.text, /data-testid="member-h001"><td>2 \(canary\)<\/td><td><a[^>]*>h001<\/a><\/td><td>failed<\/td>/)
  t.notRegex(failed.text, /data-testid="member-h000"/)
  t.regex(failed.text, /<a href="[^"]*\?status=failed#members-heading" aria-current="page">failed<\/a>/)

  t.is((await api.request('GET', `${path}?status=bogus`, { token })).status, 400)
  t.is((await api.request('GET', '/console/tenants/acme/rollouts/nope', { token })).status, 404)
})

test('an operator gets the buttons of the state: pause and cancel in the canary, resume once paused, none once final', async (t) => {
  const api = await startApi(t, { console: true })
  const id = await createRollout(api, 4)
  const token = await api.token('operator', 'acme')
  const fragment = `/console/tenants/acme/rollouts/${id}/progress`
  const canary = await api.request('GET', fragment, { token })
  t.is(canary.status, 200)
  t.regex(canary.text, /^<div class="rollout-progress"/, 'a fragment, not a page')
  t.deepEqual(buttonsOf(canary.text), ['pause', 'cancel'])

  const paused = await api.request('POST', `/api/v1/tenants/acme/rollouts/${id}/pause`, { token })
  t.is(paused.status, 200)
  const after = await api.request('GET', fragment, { token })
  t.regex(
    after.text,
    /data-testid="rollout-state">paused<\/strong> — <span data-testid="rollout-reason">paused by api:/,
  )
  t.deepEqual(buttonsOf(after.text), ['resume', 'cancel'])

  await api.request('POST', `/api/v1/tenants/acme/rollouts/${id}/cancel`, { token })
  t.deepEqual(buttonsOf((await api.request('GET', fragment, { token })).text), [], 'a final state has no button')
})

const buttonsOf = (html: string): string[] =>
  [...html.matchAll(/<button type="submit" name="operation" value="(\w+)"/g)].map((match) => match[1] ?? '')
