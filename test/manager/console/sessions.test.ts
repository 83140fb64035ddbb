import { PassThrough } from 'node:stream'
import test from 'ava'
import { SessionStore } from '../../../manager/api/sessions/session-store.ts'
import { seed, startApi } from '../api/api-harness.ts'
import { postSignIn, signInSession } from './session-support.ts'

const MINUTE = 60_000

/** A session store on a clock the test moves. */
function clockedStore(limits: Partial<{ idleMs: number; maxAgeMs: number; maxSessions: number }> = {}) {
  const clock = { now: 1_000_000 }
  const store = new SessionStore({
    idleMs: 30 * MINUTE,
    maxAgeMs: 12 * 60 * MINUTE,
    maxSessions: 100,
    secureCookie: false,
    now: () => clock.now,
    ...limits,
  })
  return { clock, store }
}

test('a valid token opens a session: an HttpOnly SameSite=Strict cookie, 303 to the console, pages with the CSRF token', async (t) => {
  const lines: string[] = []
  const logDestination = new PassThrough()
  logDestination.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')))
  const api = await startApi(t, { console: true, logDestination })
  await seed(api.inventory, { acme: ['h1'] })
  const token = await api.token('viewer', 'acme', 'vera')

  const signedIn = await postSignIn(api, token)
  t.is(signedIn.status, 303)
  t.is(signedIn.location, '/console')
  t.regex(signedIn.setCookie, /^amt_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/)
  t.false(signedIn.setCookie.includes(token))

  const overview = await api.request('GET', '/console/tenants/acme', { headers: { cookie: signedIn.cookie } })
  t.is(overview.status, 200)
  t.regex(overview.text, /vera · viewer · tenant acme/)
  const csrf = /<meta name="csrf-token" content="([A-Za-z0-9_-]{43})"/.exec(overview.text)?.[1] ?? ''
  t.not(csrf, '')
  t.true(overview.text.includes(`<input type="hidden" name="_csrf" value="${csrf}"/>`), 'the sign-out form')
  t.is(overview.headers.get('cache-control'), 'no-store')

  const wrong = await postSignIn(api, `${token.slice(0, -3)}xyz`)
  t.is(wrong.status, 401)
  t.is(wrong.setCookie, '', 'no session for a wrong token')
  t.regex(wrong.text, /role="alert">That token was not accepted/)
  t.regex(wrong.text, /<input id="token" name="token" type="password"/, 'the form again')
  t.is((await postSignIn(api, '')).status, 401)
  t.is((await postSignIn(api, 'x'.repeat(5000))).status, 401)

  const log = lines.join('')
  t.regex(log, /"msg":"console sign-in refused"/)
  t.regex(log, /"tokenName":"vera".*"msg":"console sign-in"/)
  t.false(log.includes(token.slice(-43)), 'no token secret in the log')
  t.false(log.includes(signedIn.cookie.slice('amt_session='.length)), 'no session id in the log')
})

test('the cookie is Secure with api.console.secureCookie; a sign-in posted from another origin is refused', async (t) => {
  const api = await startApi(t, {
    console: true,
    sessions: new SessionStore({ idleMs: MINUTE, maxAgeMs: MINUTE, maxSessions: 10, secureCookie: true }),
  })
  const token = await api.token('admin', '*')
  t.regex((await postSignIn(api, token)).setCookie, /; HttpOnly; Secure; SameSite=Strict$/)
  const host = new URL(api.url).host
  t.is((await postSignIn(api, token, { origin: `http://${host}` })).status, 303)
  t.is((await postSignIn(api, token, { 'sec-fetch-site': 'same-origin', origin: 'null' })).status, 303)
  const foreignPosts: Array<Record<string, string>> = [
    { origin: 'https://evil.example' },
    { 'sec-fetch-site': 'cross-site', origin: 'null' },
  ]
  for (const headers of foreignPosts) {
    const foreign = await postSignIn(api, token, headers)
    t.is(foreign.status, 403, JSON.stringify(headers))
    t.is(foreign.setCookie, '')
  }
})

test('the API accepts the session cookie; state-changing calls need the CSRF token, then the role decides', async (t) => {
  const api = await startApi(t, { console: true })
  await seed(api.inventory, { acme: ['h1'] })
  const viewer = await signInSession(api, await api.token('viewer', 'acme', 'vera'))
  const operator = await signInSession(api, await api.token('operator', 'acme', 'otto'))

  const read = await api.request('GET', '/api/v1/tenants/acme/hosts/h1', { headers: { cookie: viewer.cookie } })
  t.is(read.status, 200)
  const activate = { desiredAmtState: 'PROVISIONED' }
  const path = '/api/v1/tenants/acme/hosts/h1/amt'
  const noCsrf = await api.request('PATCH', path, { body: activate, headers: { cookie: operator.cookie } })
  t.deepEqual([noCsrf.status, noCsrf.json.code], [403, 'CSRF_REJECTED'])
  const wrongCsrf = await api.request('PATCH', path, {
    body: activate,
    headers: { cookie: operator.cookie, 'x-csrf-token': viewer.csrf },
  })
  t.deepEqual([wrongCsrf.status, wrongCsrf.json.code], [403, 'CSRF_REJECTED'], "another session's token")
  const forged = await api.request('PATCH', path, {
    body: activate,
    headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrf },
  })
  t.deepEqual([forged.status, forged.json.code], [403, 'FORBIDDEN'], 'a viewer with its CSRF token: the role decides')
  t.is((await api.inventory.getHost({ tenantId: 'acme', hostId: 'h1' })).desiredGeneration, 0)

  const done = await api.request('PATCH', path, {
    body: activate,
    headers: { cookie: operator.cookie, 'x-csrf-token': operator.csrf },
  })
  t.is(done.status, 200)
  const events = await api.request('GET', '/api/v1/tenants/acme/hosts/h1/events?limit=1', {
    headers: { cookie: viewer.cookie },
  })
  t.like((events.json.events as unknown[])[0], { kind: 'desired.set', actor: 'api:otto' })

  const bearer = await api.token('operator', 'acme', 'bea')
  const withBoth = await api.request('PATCH', path, {
    token: bearer,
    body: { desiredAmtState: 'UNPROVISIONED' },
    headers: { cookie: viewer.cookie },
  })
  t.is(withBoth.status, 200, 'the Bearer token wins over the cookie, and needs no CSRF token')
  const latest = await api.request('GET', '/api/v1/tenants/acme/hosts/h1/events?limit=1', { token: bearer })
  t.like((latest.json.events as unknown[])[0], { actor: 'api:bea' })
})

test('sign-out needs the CSRF token, ends the session and clears the cookie; the old cookie opens nothing', async (t) => {
  const api = await startApi(t, { console: true })
  await seed(api.inventory, { acme: [] })
  const { cookie, csrf } = await signInSession(api, await api.token('admin', 'acme'))
  const signOut = (body: Record<string, string>) =>
    fetch(`${api.url}/console/sign-out`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body).toString(),
    })
  const refused = await signOut({})
  t.is(refused.status, 403)
  t.regex(await refused.text(), /CSRF token/)
  t.is((await api.request('GET', '/api/v1/tenants/acme/hosts', { headers: { cookie } })).status, 200, 'still open')

  const out = await signOut({ _csrf: csrf })
  t.is(out.status, 303)
  t.is(out.headers.get('location'), '/console/sign-in')
  t.regex(
    out.headers.get('set-cookie') ?? '',
    /^amt_session=; Max-Age=0; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Strict$/,
  )
  const page = await fetch(`${api.url}/console/tenants/acme`, { redirect: 'manual', headers: { cookie } })
  t.deepEqual([page.status, page.headers.get('location')], [303, '/console/sign-in'])
  const apiCall = await api.request('GET', '/api/v1/tenants/acme/hosts', { headers: { cookie } })
  t.deepEqual([apiCall.status, apiCall.json.code], [401, 'UNAUTHENTICATED'])
  t.is(await api.sessions.count(), 0)
})

test('a session ends after 30 idle minutes, and 12 hours after sign-in however busy', async (t) => {
  const { clock, store } = clockedStore()
  const api = await startApi(t, { console: true, sessions: store })
  await seed(api.inventory, { acme: [] })
  const token = await api.token('viewer', 'acme')
  const status = async (cookie: string) =>
    (await api.request('GET', '/api/v1/tenants/acme/hosts', { headers: { cookie } })).status

  const idle = await signInSession(api, token)
  clock.now += 29 * MINUTE
  t.is(await status(idle.cookie), 200, 'used within the idle time: the idle clock restarts')
  clock.now += 29 * MINUTE
  t.is(await status(idle.cookie), 200)
  clock.now += 30 * MINUTE + 1
  t.is(await status(idle.cookie), 401, 'idle for longer than 30 minutes')

  const busy = await signInSession(api, token)
  for (let hour = 0; hour < 12 * 3; hour++) {
    clock.now += 20 * MINUTE
    t.is(await status(busy.cookie), 200, `after ${(hour + 1) * 20} minutes`)
  }
  clock.now += 1
  t.is(await status(busy.cookie), 401, 'older than 12 hours')
})

test('a session is refused (and ended) once its token is revoked', async (t) => {
  const api = await startApi(t, { console: true })
  await seed(api.inventory, { acme: [] })
  const admin = await api.token('admin', '*')
  const token = await api.token('operator', 'acme', 'gone')
  const { cookie } = await signInSession(api, token)
  t.is((await api.request('GET', '/api/v1/tenants/acme/hosts', { headers: { cookie } })).status, 200)
  const [info] = (await api.tokens.list()).filter((stored) => stored.name === 'gone')
  t.is((await api.request('DELETE', `/api/v1/tokens/${info?.id ?? ''}`, { token: admin })).status, 204)
  t.is((await api.request('GET', '/api/v1/tenants/acme/hosts', { headers: { cookie } })).status, 401)
  const page = await fetch(`${api.url}/console/tenants/acme`, { redirect: 'manual', headers: { cookie } })
  t.is(page.status, 303)
  t.is(await api.sessions.count(), 0)
})

test('live sessions are bounded: beyond the limit the oldest one ends', async (t) => {
  const { clock, store } = clockedStore({ maxSessions: 2 })
  const api = await startApi(t, { console: true, sessions: store })
  await seed(api.inventory, { acme: [] })
  const token = await api.token('viewer', 'acme')
  const cookies: string[] = []
  for (let i = 0; i < 3; i++) {
    cookies.push((await postSignIn(api, token)).cookie)
    clock.now += MINUTE
  }
  const statuses = await Promise.all(
    cookies.map(
      async (cookie) => (await api.request('GET', '/api/v1/tenants/acme/hosts', { headers: { cookie } })).status,
    ),
  )
  t.deepEqual(statuses, [401, 200, 200])
  t.is(await store.count(), 2)
})
