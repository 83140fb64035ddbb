import test from 'ava'
import { capable, notCapable } from '../../helpers/manager-core.ts'
import { byTestId, startHostPage, TENANT, textOf } from './host-page-harness.ts'

const page = (hostId: string) => `/console/tenants/${TENANT}/hosts/${hostId}`
const api = (hostId: string) => `/api/v1/tenants/${TENANT}/hosts/${hostId}`

test('the host page shows every field of the API’s host view, grouped, with the capability report', async (t) => {
  const h = await startHostPage(t)
  const send = await h.host('h1')
  await send('capability', { ...capable('AMT'), amtUuid: 'H1' })
  const view = (await h.get(api('h1'))).json
  const answer = await h.get(page('h1'))
  t.is(answer.status, 200)
  t.is(answer.headers.get('cache-control'), 'no-store')
  for (const field of Object.keys(view)) t.not(byTestId(answer.text, `field-${field}`), undefined, field)
  for (const group of ['Identity', 'AMT', 'Connectivity', 'Capability', 'Power', 'Identity check'])
    t.regex(answer.text, new RegExp(`<h2 id="group-[\\w-]+">${group}</h2>`))
  t.regex(answer.text, /<section class="field-group wide" aria-labelledby="group-capability">/, 'the report spans')
  t.is(textOf(byTestId(answer.text, 'field-name')), 'h1-name')
  t.is(textOf(byTestId(answer.text, 'field-sku')), 'AMT')
  t.is(textOf(byTestId(answer.text, 'capability-amtVersion')), '16.1.27')
  t.is(textOf(byTestId(answer.text, 'capability-lms')), 'active')
  t.is(textOf(byTestId(answer.text, 'identity-match')), 'matches the host id')
  t.is(textOf(byTestId(answer.text, 'field-online')), 'offline', 'no connection event, only a report')
  t.is(textOf(byTestId(answer.text, 'field-powerState')), 'unknown')
  t.is(textOf(byTestId(answer.text, 'field-powerAction')), 'none')
  t.regex(answer.text, /<summary>The report as JSON<\/summary><pre class="json">\{\n {2}&quot;v&quot;: 1,/)
  t.is(textOf(byTestId(answer.text, 'amt-condition')), 'Not activated')
  t.is(byTestId(answer.text, 'amt-rpc-error'), undefined)
})

test('NOT_SUPPORTED reads apart from FAILED: its reason, and a failure’s status with the rpc error name', async (t) => {
  const h = await startHostPage(t)
  const plain = await h.host('plain')
  await plain('capability', notCapable('no ME device found (/dev/mei0 missing)'))
  await plain('state', {
    phase: 'NOT_SUPPORTED',
    observedGeneration: 0,
    controlMode: 'UNKNOWN',
    remoteStatus: null,
    reason: 'no ME device found (/dev/mei0 missing)',
  })
  const failing = await h.host('failing')
  await failing('capability', capable('AMT'))
  const patched = await h.api.request('PATCH', `${api('failing')}/amt`, {
    token: h.tokens.operator,
    body: { desiredAmtState: 'PROVISIONED', amtControlMode: 'CCM' },
  })
  t.is(patched.status, 200)
  await failing('state', {
    phase: 'FAILED',
    observedGeneration: 1,
    controlMode: 'PRE_PROVISIONING',
    remoteStatus: null,
    error: { code: 12, name: 'LMSConnectionFailed', message: 'LMS is not running', class: 'permanent' },
  })

  const notSupported = (await h.get(page('plain'), 'viewer')).text
  t.regex(notSupported, /data-testid="amt-condition" data-condition="NOT_SUPPORTED">Not supported</)
  t.is(textOf(byTestId(notSupported, 'amt-reason')), 'Why: no ME device found (/dev/mei0 missing)')
  t.is(textOf(byTestId(notSupported, 'field-phase')), 'NOT_SUPPORTED')
  t.regex(notSupported, /class="state-na"/)

  const failed = (await h.get(page('failing'), 'viewer')).text
  t.regex(failed, /data-testid="amt-condition" data-condition="FAILED">Failed</)
  t.is(textOf(byTestId(failed, 'amt-reason')), 'Status: AMT Activation Failed: LMSConnectionFailed: LMS is not running')
  t.is(textOf(byTestId(failed, 'amt-rpc-error')), 'rpc error: LMSConnectionFailed (exit code 12) — LMS is not running')
  t.regex(failed, /class="state-bad"/)
  t.is(textOf(byTestId(failed, 'field-desiredGeneration')), '1')
  t.is(textOf(byTestId(failed, 'field-observedGeneration')), '1')
})

test('actions by role: a viewer has none; an operator has activation, power and delete; only an admin reveals', async (t) => {
  const h = await startHostPage(t)
  await h.host('h1')
  const viewer = (await h.get(page('h1'), 'viewer')).text
  t.is(byTestId(viewer, 'host-actions'), undefined)
  const main = /<main id="main">([\s\S]*)<\/main>/.exec(viewer)?.[1] ?? ''
  t.regex(main, /data-testid="host-fields"/)
  t.notRegex(
    main,
    /<button|<dialog|<select|data-host-action/,
    'no action control in the page (sign-out is in the header)',
  )

  const operator = (await h.get(page('h1'), 'operator')).text
  for (const id of ['action-activate', 'action-deactivate', 'action-power', 'action-delete', 'dialog-power'])
    t.not(byTestId(operator, id), undefined, id)
  t.regex(operator, /<select id="amt-control-mode" name="amtControlMode"/)
  t.regex(operator, /<label for="amt-control-mode">Control mode<\/label>/)
  t.regex(operator, /<option value="ACM">ACM \(admin control mode\)<\/option>/)
  for (const action of ['on', 'off', 'reset', 'cycle', 'soft-off'])
    t.regex(operator, new RegExp(`<option value="${action}">`))
  for (const id of ['action-password', 'dialog-password', 'delete-force', 'amt-local-deactivation'])
    t.is(byTestId(operator, id), undefined, id)
  t.regex(operator, /role="status" aria-live="polite"/)

  const admin = (await h.get(page('h1'), 'admin')).text
  for (const id of ['action-password', 'dialog-password', 'password-warning', 'delete-force', 'amt-local-deactivation'])
    t.not(byTestId(admin, id), undefined, id)
  t.regex(textOf(byTestId(admin, 'password-warning')), /recorded in the\s+audit trail/)
  t.regex(
    byTestId(admin, 'password-values') ?? '',
    /data-testid="password-value"><\/output>/,
    'no password in the page',
  )
})

test('another tenant’s host, an unknown host and a malformed audit query are error pages', async (t) => {
  const h = await startHostPage(t)
  await h.api.inventory.createHost({ tenantId: 'other', hostId: 'theirs' })
  const foreign = await h.get('/console/tenants/other/hosts/theirs', 'operator')
  t.is(foreign.status, 404)
  t.notRegex(foreign.text, /theirs/)
  const missing = await h.get(page('nobody'))
  t.is(missing.status, 404)
  t.regex(missing.text, /Not found/)
  await h.host('h1')
  const bad = await h.get(`${page('h1')}?class=chatter`)
  t.is(bad.status, 400)
  t.regex(bad.text, /the audit trail takes before=&lt;event id> and class/)
})
