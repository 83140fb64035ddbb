import test from 'ava'
import { startApi } from '../api/api-harness.ts'

const html = (headers: Headers) => headers.get('content-type') ?? ''

test('an anonymous visitor of a console page is sent to the sign-in page, which is a form', async (t) => {
  const api = await startApi(t, { console: true })
  const home = await api.request('GET', '/console', { headers: {} })
  t.is(home.status, 200, 'fetch follows the 303 to the sign-in page')
  t.true(html(home.headers).startsWith('text/html'))
  t.regex(home.text, /^<!doctype html><html lang="en">/)
  t.regex(home.text, /<form method="post" action="\/console\/sign-in"/)
  t.regex(home.text, /<input id="token" name="token" type="password"/)
  const raw = await fetch(`${api.url}/console/tenants/acme`, { redirect: 'manual' })
  t.is(raw.status, 303)
  t.is(raw.headers.get('location'), '/console/sign-in')
})

test('the overview counts a tenant’s hosts by AMT state; another tenant’s pages are a 404 page', async (t) => {
  const api = await startApi(t, { console: true })
  for (const tenantId of ['acme', 'other']) await api.inventory.createTenant({ tenantId })
  for (const hostId of ['h1', 'h2', 'h3']) await api.inventory.createHost({ tenantId: 'acme', hostId, name: hostId })
  const token = await api.token('viewer', 'acme', 'ann')
  const overview = await api.request('GET', '/console/tenants/acme', { token })
  t.is(overview.status, 200)
  t.regex(overview.text, /data-testid="count-total"><div class="count">3<\/div>/)
  t.regex(overview.text, /ann · viewer · tenant acme/)
  const foreign = await api.request('GET', '/console/tenants/other', { token })
  t.is(foreign.status, 404)
  t.true(html(foreign.headers).startsWith('text/html'))
  const missing = await api.request('GET', '/console/no-such-page', { token })
  t.is(missing.status, 404)
  t.regex(missing.text, /Not found/)
})

test('the script and the stylesheet are served under content-hashed names, cacheable for good', async (t) => {
  const api = await startApi(t, { console: true })
  const page = await api.request('GET', '/console/sign-in')
  const names = [...page.text.matchAll(/\/console\/assets\/([\w.-]+)/g)].map((match) => match[1])
  t.is(names.length, 2)
  for (const name of names) {
    const asset = await fetch(`${api.url}/console/assets/${name}`)
    t.is(asset.status, 200, name)
    t.is(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable')
    t.true((await asset.text()).length > 100)
  }
  t.is((await fetch(`${api.url}/console/assets/app-000000000000.js`)).status, 404)
})
