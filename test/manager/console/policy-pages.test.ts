import test from 'ava'
import { startApi, type ApiHarness } from '../api/api-harness.ts'
import { seedFleet, TENANT } from './fleet-fixture.ts'

/** Groups berlin (site=berlin → deactivate) and lab (rack=7 → ccm); p1 (provisioned) and i1 labelled site=berlin. */
async function policyFleet(api: ApiHarness): Promise<string> {
  await seedFleet(api.inventory)
  const admin = await api.token('admin', TENANT, 'ada')
  const groups = {
    berlin: { selector: { labels: { site: 'berlin' } }, priority: 10, policy: { amt: 'deactivate' } },
    lab: { selector: { labels: { rack: '7' }, facts: { sku: 'AMT' } }, priority: 20, policy: { amt: 'ccm' } },
  }
  for (const [name, body] of Object.entries(groups)) {
    const put = await api.request('PUT', `/api/v1/tenants/${TENANT}/groups/${name}`, { token: admin, body })
    if (put.status >= 300) throw new Error(`group ${name} refused: ${put.text}`)
  }
  for (const hostId of ['p1', 'i1']) {
    const body = { set: { site: 'berlin', ...(hostId === 'p1' ? { role: '' } : {}) } }
    const patched = await api.request('PATCH', `/api/v1/tenants/${TENANT}/hosts/${hostId}/labels`, {
      token: admin,
      body,
    })
    if (patched.status !== 200) throw new Error(`labels of ${hostId} refused: ${patched.text}`)
  }
  return api.token('viewer', TENANT)
}

test('the host page shows its labels and its effective policy with its source (a link to the group) and drift', async (t) => {
  const api = await startApi(t, { console: true })
  const token = await policyFleet(api)
  const p1 = await api.request('GET', `/console/tenants/${TENANT}/hosts/p1`, { token })
  t.is(p1.status, 200)
  t.regex(
    p1.text,
    /data-testid="host-labels"><ul class="labels"><li><code>role<\/code><\/li><li><code>site=berlin<\/code>/,
  )
  t.regex(p1.text, /data-testid="policy-amt">deactivate</)
  t.regex(p1.text, /data-testid="policy-source"><a href="\/console\/tenants\/acme\/groups\/berlin">group:berlin<\/a>/)
  t.regex(p1.text, /data-testid="policy-target">UNPROVISIONED</)
  t.regex(p1.text, /data-testid="policy-drift" data-drift="true">⚠ the desired state differs/)

  const n1 = await api.request('GET', `/console/tenants/${TENANT}/hosts/n1`, { token })
  t.regex(n1.text, /data-testid="host-labels">none</)
  t.regex(n1.text, /data-testid="policy-amt">none</)
  t.regex(n1.text, /data-testid="policy-source">none</)
  t.regex(n1.text, /data-testid="policy-target">nothing — NOT_MANAGED: no group holds the host and it has no override</)
  t.regex(n1.text, /data-testid="policy-drift" data-drift="false">none</)
})

test('the groups page lists the groups in deciding order with selector, policy and drift; empty, it says how to add', async (t) => {
  const api = await startApi(t, { console: true })
  const token = await policyFleet(api)
  const page = await api.request('GET', `/console/tenants/${TENANT}/groups`, { token })
  t.is(page.status, 200)
  t.regex(page.text, /<a href="\/console\/tenants\/acme\/groups">Groups<\/a>/)
  const rows = [...page.text.matchAll(/<tr id="group-(\w+)"/g)].map((match) => match[1])
  t.deepEqual(rows, ['berlin', 'lab'])
  t.regex(
    page.text,
    /data-testid="group-berlin"><th scope="row"><a href="\/console\/tenants\/acme\/groups\/berlin">berlin<\/a><\/th><td>10<\/td><td>site=berlin<\/td><td>deactivate<\/td><td data-testid="drift-berlin">1 hosts differ</,
  )
  t.regex(page.text, /<td>rack=7, sku: AMT<\/td><td>ccm<\/td><td data-testid="drift-lab">0</)
  t.notRegex(page.text, /style=|<script(?![^>]*src=)/)

  await api.inventory.createTenant({ tenantId: 'empty' })
  const empty = await api.request('GET', '/console/tenants/empty/groups', { token: await api.token('admin', '*') })
  t.regex(empty.text, /data-testid="no-groups"/)
  t.is((await api.request('GET', '/console/tenants/empty/groups', { token })).status, 404, 'not its tenant')
})

test("a group's page: selector, policy, its drifted hosts; the rollout form for an operator only; unknown: 404", async (t) => {
  const api = await startApi(t, { console: true })
  const viewer = await policyFleet(api)
  const path = `/console/tenants/${TENANT}/groups/berlin`
  const seen = await api.request('GET', path, { token: viewer })
  t.is(seen.status, 200)
  t.regex(seen.text, /<h1>Group berlin<\/h1>/)
  t.regex(seen.text, /<dt>selector<\/dt><dd>site=berlin<\/dd>/)
  t.regex(seen.text, /data-testid="group-policy">deactivate</)
  t.regex(seen.text, /data-testid="group-drift">1 host differs from the policy\.</)
  t.regex(seen.text, /<li><a href="\/console\/tenants\/acme\/hosts\/p1">p1<\/a><\/li>/)
  t.notRegex(seen.text, /data-group-rollout|<form(?! class="sign-out")/)
  const acting = await api.request('GET', path, { token: await api.token('operator', TENANT) })
  t.regex(
    acting.text,
    /<form class="bulk" aria-labelledby="group-rollout-heading" novalidate data-group-rollout="\/api\/v1\/tenants\/acme\/groups\/berlin\/rollout" data-rollout-pages="\/console\/tenants\/acme\/rollouts"/,
  )
  t.regex(acting.text, /<input id="rollout-max-concurrent" name="rollout-max-concurrent" type="number" min="1"/)
  const lab = await api.request('GET', `/console/tenants/${TENANT}/groups/lab`, { token: viewer })
  t.regex(lab.text, /data-testid="group-drift">Every host of this group has the desired state its policy asks\.</)
  t.is((await api.request('GET', `/console/tenants/${TENANT}/groups/nope`, { token: viewer })).status, 404)
})
