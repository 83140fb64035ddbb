import test from 'ava'
import { eventually } from '../../helpers/manager-mqtt.ts'
import { byTestId, startHostPage, TENANT, textOf } from './host-page-harness.ts'

const page = `/console/tenants/${TENANT}/hosts/h1`
const eventIds = (html: string) => [...html.matchAll(/data-event-id="(\d+)"/g)].map((match) => Number(match[1]))
const hrefOf = (html: string, testId: string) =>
  new RegExp(`<a href="([^"]+)" data-testid="${testId}"`).exec(html)?.[1]?.replace(/&amp;/g, '&')

/** 30 security and 30 activity events of h1 (alternating), and one of another host. */
async function seedAudit(h: Awaited<ReturnType<typeof startHostPage>>) {
  await h.host('h1')
  await h.api.inventory.createHost({ tenantId: TENANT, hostId: 'h2' })
  const events = Array.from({ length: 60 }, (_, index) => ({
    tenantId: TENANT,
    hostId: 'h1',
    kind: index % 2 === 0 ? 'desired.set' : 'agent.event',
    actor: index % 2 === 0 ? 'api:otto' : 'agent',
    detail: { index },
  }))
  await h.api.inventory.appendAudit([...events, { tenantId: TENANT, hostId: 'h2', kind: 'state', actor: 'agent' }])
  return (await h.api.inventory.listAudit(TENANT, { hostId: 'h1', limit: 1000 })).map((event) => event.id)
}

test('the audit trail pages newest first, 25 a page, with "Older" and "Newest" links', async (t) => {
  const h = await startHostPage(t)
  const ids = await seedAudit(h)
  const first = (await h.get(page, 'viewer')).text
  t.deepEqual(eventIds(first), ids.slice(0, 25))
  t.is(byTestId(first, 'audit-newest'), undefined, 'the first page has no "Newest" link')
  t.regex(first, /data-testid="host-audit" data-first-page="true"/)
  const older = hrefOf(first, 'audit-older')
  t.is(older, `${page}?before=${ids[24]}#host-audit`)

  const second = (await h.get(older ?? '', 'viewer')).text
  t.deepEqual(eventIds(second), ids.slice(25, 50))
  t.regex(second, /data-first-page="false"/)
  t.is(hrefOf(second, 'audit-newest'), `${page}#host-audit`)
  const third = (await h.get(hrefOf(second, 'audit-older') ?? '', 'viewer')).text
  t.deepEqual(eventIds(third), ids.slice(50))
  t.is(hrefOf(third, 'audit-older'), undefined, 'the oldest page has no "Older" link')
  t.regex(textOf(byTestId(third, 'audit-table')), /agent\.event/)
})

test('the audit trail filters by class (security vs device activity) and keeps the filter while paging', async (t) => {
  const h = await startHostPage(t)
  await seedAudit(h)
  const security = (await h.get(`${page}?class=security`, 'viewer')).text
  const rows = [...security.matchAll(/<tr data-testid="audit-event"[\s\S]*?<\/tr>/g)].map((match) => textOf(match[0]))
  t.is(rows.length, 25)
  for (const row of rows) t.regex(row, /desired\.setsecurityapi:otto/)
  t.regex(security, /data-testid="audit-class-security" aria-current="page"/)
  t.regex(
    hrefOf(security, 'audit-older') ?? '',
    /^\/console\/tenants\/acme\/hosts\/h1\?class=security&before=\d+#host-audit$/,
  )
  const olderSecurity = (await h.get(hrefOf(security, 'audit-older') ?? '', 'viewer')).text
  t.is(eventIds(olderSecurity).length, 5)
  t.is(hrefOf(olderSecurity, 'audit-newest'), `${page}?class=security#host-audit`)
  const activity = (await h.get(`${page}?class=activity`, 'viewer')).text
  t.regex(textOf(byTestId(activity, 'audit-table')), /agent\.eventactivityagent/)
  t.notRegex(textOf(byTestId(activity, 'audit-table')), /desired\.set/)
})

test('the fragments: the fields panel and an audit page, for the page script to swap in', async (t) => {
  const h = await startHostPage(t)
  const ids = await seedAudit(h)
  const fields = await h.get(`${page}/fragments/fields`, 'viewer')
  t.is(fields.status, 200)
  t.is(fields.headers.get('cache-control'), 'no-store')
  t.regex(fields.text, /^<section id="host-fields" data-testid="host-fields" data-condition="UNPROVISIONED"/)
  t.notRegex(fields.text, /<html|<!doctype/)
  t.is(textOf(byTestId(fields.text, 'field-hostId')), 'h1')

  const audit = await h.get(`${page}/fragments/audit`, 'viewer')
  t.regex(audit.text, /^<section id="host-audit" data-testid="host-audit" data-first-page="true"/)
  t.deepEqual(eventIds(audit.text), ids.slice(0, 25))
  const security = await h.get(`${page}/fragments/audit?class=security`, 'viewer')
  t.is(eventIds(security.text).length, 25)
  t.regex(security.text, /aria-current="page"/)

  const pageHtml = (await h.get(page, 'viewer')).text
  t.regex(pageHtml, /data-fields-url="\/console\/tenants\/acme\/hosts\/h1\/fragments\/fields"/)
  t.regex(pageHtml, /data-audit-url="\/console\/tenants\/acme\/hosts\/h1\/fragments\/audit"/)
  t.regex(
    (await h.get(`${page}?class=activity`, 'viewer')).text,
    /data-audit-url="[^"]+\/fragments\/audit\?class=activity"/,
  )
})

test('a deleted host: its fields fragment says so (404), its page still shows the audit trail and no actions', async (t) => {
  const h = await startHostPage(t)
  await h.host('h1')
  const deleted = await h.api.request('DELETE', `/api/v1/tenants/${TENANT}/hosts/h1`, { token: h.tokens.operator })
  t.is(deleted.status, 200, 'AMT was never on: deleted at once')
  const fields = await h.get(`${page}/fragments/fields`, 'viewer')
  t.is(fields.status, 404)
  t.regex(fields.text, /^<section id="host-fields" data-testid="host-fields" data-condition="DELETED"/)
  t.regex(textOf(byTestId(fields.text, 'host-deleted')), /Deleted: host h1 is no longer in the inventory/)
  const gone = await h.get(page, 'admin')
  t.is(gone.status, 200)
  t.not(byTestId(gone.text, 'host-deleted'), undefined)
  t.is(byTestId(gone.text, 'host-actions'), undefined)
  t.regex(textOf(byTestId(gone.text, 'audit-table')), /host\.deleted/)
})

test('a host pending deletion shows the pending state until the agent has deactivated AMT', async (t) => {
  const h = await startHostPage(t)
  const send = await h.host('h1')
  await send('state', { phase: 'PROVISIONED', observedGeneration: 0, controlMode: 'CCM', remoteStatus: null })
  const requested = await h.api.request('DELETE', `/api/v1/tenants/${TENANT}/hosts/h1`, { token: h.tokens.operator })
  t.is(requested.status, 202)
  const pending = await h.get(`${page}/fragments/fields`, 'viewer')
  t.regex(pending.text, /data-condition="PENDING_DELETION" data-deletion="pending"/)
  t.is(textOf(byTestId(pending.text, 'amt-condition')), 'Deletion pending')
  t.regex(textOf(byTestId(pending.text, 'amt-reason')), /^Status: AMT deactivation pending/)
  const host = await h.api.inventory.getHost({ tenantId: TENANT, hostId: 'h1' })
  await send('state', {
    phase: 'UNPROVISIONED',
    observedGeneration: host.desiredGeneration,
    controlMode: 'PRE_PROVISIONING',
    remoteStatus: null,
  })
  const key = { tenantId: TENANT, hostId: 'h1' }
  await eventually(async () => (await h.api.inventory.findHost(key)) === null, 'the deletion to complete')
  const after = await h.get(`${page}/fragments/fields`, 'viewer')
  t.is(after.status, 404)
  t.regex(after.text, /data-testid="host-deleted"/)
})
