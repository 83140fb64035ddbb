import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import test from 'ava'
import { summariseErrorBody } from '../../../manager/dmt/error-body.ts'
import { DmtError } from '../../../manager/dmt/errors.ts'
import { rpsClientOf } from './dmt-harness.ts'

/** The error bodies the real RPS v2.40.0 and MPS v2.34.1 answer (issue #13 fact 6) become one line with their reason. */

const EXPRESS_404 =
  '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot GET /api/v1/admin/nope</pre>\n</body>\n</html>\n'
const MALFORMED_JSON =
  '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n' +
  '<pre>SyntaxError: Unexpected token &#39;S&#39;, &quot;Secret-Pw-9 }&quot; is not valid JSON<br> &nbsp; &nbsp;at JSON.parse (&lt;anonymous&gt;)<br> &nbsp; &nbsp;at parse (/rps/node_modules/body-parser/lib/types/json.js:92:19)</pre>\n</body>\n</html>\n'

test("MPS's { error, errorDescription }: both, e.g. which device is not connected", (t) => {
  const body = {
    error: 'Device not found/connected. Please connect again using CIRA.',
    errorDescription: 'guid : 4c4c4544-005a-3510-8047-b4c04f564433',
  }
  t.is(
    summariseErrorBody(body),
    'Device not found/connected. Please connect again using CIRA. (guid : 4c4c4544-005a-3510-8047-b4c04f564433)',
  )
  t.is(summariseErrorBody({ error: 'Not Found', message: 'Device ID x not found' }), 'Not Found: Device ID x not found')
})

test('express-validator errors, bare arrays or under `errors`, with `param` or `path`: field and msg, never the value', (t) => {
  const items = [
    { value: 'corp_lab', msg: 'dnsSuffix must be a valid DNS suffix', param: 'dnsSuffix', location: 'body' },
    { type: 'field', value: 'Secret-Pw-9', msg: 'amtPassword is too weak', path: 'amtPassword', location: 'body' },
  ]
  const expected = 'dnsSuffix: dnsSuffix must be a valid DNS suffix; amtPassword: amtPassword is too weak'
  t.is(summariseErrorBody(items), expected)
  t.is(summariseErrorBody({ errors: items }), expected)
})

test('HTML error pages: the short text of the page, never its markup, a stack trace or a quoted snippet of what was sent', (t) => {
  t.is(summariseErrorBody(EXPRESS_404), 'Cannot GET /api/v1/admin/nope')
  const malformed = summariseErrorBody(MALFORMED_JSON)
  t.is(malformed, 'SyntaxError: Unexpected token "…", "…" is not valid JSON')
  t.false(malformed.includes('Secret'))
  t.is(
    summariseErrorBody('<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>'),
    '502 Bad Gateway',
  )
  t.is(summariseErrorBody(''), 'no error details')
})

test('through the RPS client: an HTML 404 page answers RPS_REJECTED with its text', async (t) => {
  const server = createServer((_req, res) =>
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end(EXPRESS_404),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const rps = rpsClientOf(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  const error = await t.throwsAsync(rps.listProfiles(), { instanceOf: DmtError })
  t.is(error.code, 'RPS_REJECTED')
  t.regex(error.message, /\(404\): Cannot GET \/api\/v1\/admin\/nope$/)
})
