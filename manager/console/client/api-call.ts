import { csrfToken } from './csrf.ts'

/** The answer of a JSON API call: the status and the parsed body (the catalogue error body when not ok). */
export interface ApiAnswer {
  ok: boolean
  status: number
  body: unknown
  /** The catalogue error's message when not ok (docs/errors.md), else ''. */
  message: string
}

/**
 * Calls the manager's JSON API (/api/v1) as the signed-in user: the session cookie authenticates, the page's CSRF
 * token goes in the x-csrf-token header. Every action of the console goes through here, so the API's roles,
 * validation and audit apply to it as to any client.
 */
export async function callApi(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  const headers: Record<string, string> = { accept: 'application/json' }
  const token = csrfToken()
  if (token !== null) headers['x-csrf-token'] = token
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  const parsed: unknown = text === '' ? null : JSON.parse(text)
  const message = response.ok ? '' : messageOf(parsed, response.status)
  return { ok: response.ok, status: response.status, body: parsed, message }
}

function messageOf(body: unknown, status: number): string {
  if (typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string')
    return body.message
  return `the manager answered ${status}`
}
