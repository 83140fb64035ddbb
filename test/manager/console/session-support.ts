import type { ApiHarness } from '../api/api-harness.ts'

/** What POST /console/sign-in answered: the status, the Set-Cookie line and the `name=value` to send back. */
interface SignInAnswer {
  status: number
  location: string | null
  setCookie: string
  /** `amt_session=<id>`, or '' when no cookie was set. */
  cookie: string
  text: string
}

/** Posts the sign-in form as a browser does (url-encoded `token`), not following the redirect. */
export async function postSignIn(api: ApiHarness, token: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${api.url}/console/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ token }).toString(),
  })
  const setCookie = response.headers.get('set-cookie') ?? ''
  return {
    status: response.status,
    location: response.headers.get('location'),
    setCookie,
    cookie: /^(amt_session=[^;]+)/.exec(setCookie)?.[1] ?? '',
    text: await response.text(),
  } satisfies SignInAnswer
}

/** Signs in with a token; returns the cookie and the CSRF token of the console's pages. */
export async function signInSession(api: ApiHarness, token: string): Promise<{ cookie: string; csrf: string }> {
  const { cookie } = await postSignIn(api, token)
  if (cookie === '') throw new Error('sign-in set no cookie')
  const page = await api.request('GET', '/console/tenants', { headers: { cookie } })
  const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(page.text)?.[1]
  if (csrf === undefined) throw new Error(`no csrf-token meta on the page (${page.status})`)
  return { cookie, csrf }
}
