import test from 'ava'
import { openBrowser, saveScreenshot, signIn } from '../../helpers/browser.ts'
import { seed, startApi } from '../api/api-harness.ts'

/** The session cookie the browser holds for the console, if any. */
const sessionCookie = async (context: { cookies(): Promise<Array<{ name: string; value: string }>> }) =>
  (await context.cookies()).find((cookie) => cookie.name === 'amt_session')

test('signing in with a token lands on the overview: who is signed in, under the strict CSP, with no console errors', async (t) => {
  const api = await startApi(t, { console: true })
  await seed(api.inventory, { acme: ['h1', 'h2'] })
  const { page, context, problems } = await openBrowser(t)
  const answers: Array<string | null> = []
  page.on('response', (response) => {
    if (response.request().isNavigationRequest()) answers.push(response.headers()['content-security-policy'] ?? null)
  })

  await signIn(page, api.url, await api.token('viewer', 'acme', 'vera'))
  t.is(new URL(page.url()).pathname, '/console/tenants/acme')
  t.is(await page.getByTestId('who').textContent(), 'vera · viewer · tenant acme')
  t.is(await page.getByTestId('count-total').locator('.count').textContent(), '2')
  t.is(await page.locator('html').getAttribute('data-console-ready'), 'signed-in', 'the page script ran')
  const cookie = await sessionCookie(context)
  t.like(cookie, { httpOnly: true, sameSite: 'Strict', path: '/', secure: false })
  t.is(await page.evaluate(() => document.cookie), '', 'page scripts cannot read the session cookie')
  t.true(answers.length >= 2 && answers.every((csp) => csp?.includes("script-src 'self'") === true), String(answers))
  await saveScreenshot(page, 'console-overview-signed-in')
  t.deepEqual(problems, [])
})

test('a wrong token shows the form again with an error; no session is opened', async (t) => {
  const api = await startApi(t, { console: true })
  const { page, context } = await openBrowser(t)
  await page.goto(`${api.url}/console/sign-in`)
  await page.getByLabel('API token').fill('amt_0123456789abcdef_not-a-real-token-at-all-not-a-real-token-xyz')
  const [answer] = await Promise.all([
    page.waitForResponse((response) => response.request().method() === 'POST'),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ])
  t.is(answer.status(), 401)
  await page.getByRole('alert').waitFor()
  t.regex((await page.getByRole('alert').textContent()) ?? '', /That token was not accepted/)
  t.is(new URL(page.url()).pathname, '/console/sign-in')
  t.is(await sessionCookie(context), undefined)
  await page.goto(`${api.url}/console`)
  t.is(new URL(page.url()).pathname, '/console/sign-in', 'still anonymous')
})

test('signing out returns to the sign-in page, and the old cookie opens nothing any more', async (t) => {
  const api = await startApi(t, { console: true })
  await seed(api.inventory, { acme: [] })
  const { page, context, problems } = await openBrowser(t)
  await signIn(page, api.url, await api.token('admin', 'acme', 'ada'))
  const old = await sessionCookie(context)
  t.truthy(old)
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/console/sign-in'),
    page.getByRole('button', { name: 'Sign out' }).click(),
  ])
  t.is(await sessionCookie(context), undefined, 'the browser dropped the cookie')
  const cookie = `amt_session=${old?.value ?? ''}`
  const replayed = await fetch(`${api.url}/console/tenants/acme`, { redirect: 'manual', headers: { cookie } })
  t.deepEqual([replayed.status, replayed.headers.get('location')], [303, '/console/sign-in'])
  const apiCall = await api.request('GET', '/api/v1/tenants/acme/hosts', { headers: { cookie } })
  t.is(apiCall.status, 401)
  t.deepEqual(problems, [])
})

test('a viewer’s forged call with the CSRF token is 403 FORBIDDEN; a call without the token is 403 CSRF_REJECTED', async (t) => {
  const api = await startApi(t, { console: true })
  await seed(api.inventory, { acme: ['h1'] })
  const forge = (withToken: boolean) =>
    page.evaluate(async (sendToken) => {
      const token = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? ''
      const response = await fetch('/api/v1/tenants/acme/hosts/h1/amt', {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', ...(sendToken ? { 'x-csrf-token': token } : {}) },
        body: JSON.stringify({ desiredAmtState: 'PROVISIONED' }),
      })
      return { status: response.status, code: ((await response.json()) as { code?: string }).code }
    }, withToken)
  const { page, context } = await openBrowser(t)

  await signIn(page, api.url, await api.token('viewer', 'acme', 'vera'))
  t.deepEqual(await forge(true), { status: 403, code: 'FORBIDDEN' })
  t.deepEqual(await forge(false), { status: 403, code: 'CSRF_REJECTED' })

  await context.clearCookies()
  await signIn(page, api.url, await api.token('operator', 'acme', 'otto'))
  t.deepEqual(await forge(false), { status: 403, code: 'CSRF_REJECTED' }, 'an operator too needs the token')
  t.is((await api.inventory.getHost({ tenantId: 'acme', hostId: 'h1' })).desiredGeneration, 0)
  t.is((await forge(true)).status, 200, 'with it, the operator’s call goes through')
  t.is((await api.inventory.getHost({ tenantId: 'acme', hostId: 'h1' })).desiredGeneration, 1)
})

test('/docs renders Swagger UI from the manager’s own files under its CSP, with no console errors', async (t) => {
  const api = await startApi(t)
  const { page, problems } = await openBrowser(t)
  const origins = new Set<string>()
  page.on('request', (request) => origins.add(new URL(request.url()).origin))
  const answer = await page.goto(`${api.url}/docs`)
  t.regex(answer?.headers()['content-security-policy'] ?? '', /default-src 'none'/)
  await page.getByRole('heading', { name: /AMT manager API/ }).waitFor()
  await page.locator('.opblock').first().waitFor()
  t.true((await page.locator('.opblock').count()) > 10, 'the routes are listed')
  await saveScreenshot(page, 'api-docs')
  t.deepEqual([...origins], [api.url], 'nothing fetched from elsewhere')
  t.deepEqual(problems, [])
})
