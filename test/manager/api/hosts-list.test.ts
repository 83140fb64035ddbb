import test from 'ava'
import { startApi } from './api-harness.ts'

async function fleet(t: Parameters<typeof startApi>[0]) {
  const api = await startApi(t)
  await api.inventory.createTenant({ tenantId: 'acme' })
  const ids = Array.from({ length: 25 }, (_, i) => `h-${String(i).padStart(2, '0')}`)
  await api.inventory.createHosts(ids.map((hostId) => ({ tenantId: 'acme', hostId })))
  // Every 5th host provisioned (IDLE), every 7th failed (ERROR), the rest untouched.
  for (const [i, hostId] of ids.entries()) {
    if (i % 5 === 0)
      await api.inventory.updateHost(
        { tenantId: 'acme', hostId },
        {
          desiredState: 'PROVISIONED',
          currentState: 'PROVISIONED',
          statusIndicator: 'IDLE',
          status: 'AMT Activation Done',
        },
      )
    else if (i % 7 === 0)
      await api.inventory.updateHost(
        { tenantId: 'acme', hostId },
        { desiredState: 'PROVISIONED', statusIndicator: 'ERROR', status: 'AMT Activation Failed' },
      )
  }
  return { api, ids, token: await api.token('viewer', 'acme') }
}

const hostIds = (json: Record<string, unknown>) => (json.hosts as Array<{ hostId: string }>).map((host) => host.hostId)

test('pages of hosts follow nextCursor to the end without gaps or repeats', async (t) => {
  const { api, ids, token } = await fleet(t)
  const seen: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const query: string = `limit=10${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`
    const page = await api.request('GET', `/api/v1/tenants/acme/hosts?${query}`, { token })
    t.is(page.status, 200)
    seen.push(...hostIds(page.json))
    cursor = page.json.nextCursor as string | null
    pages++
  } while (cursor !== null)
  t.deepEqual(seen, ids)
  t.is(pages, 3)
})

test('filters by desired state, current state and indicator, combined with AND', async (t) => {
  const { api, token } = await fleet(t)
  const list = async (query: string) =>
    hostIds((await api.request('GET', `/api/v1/tenants/acme/hosts?${query}`, { token })).json)
  t.deepEqual(await list('currentState=PROVISIONED'), ['h-00', 'h-05', 'h-10', 'h-15', 'h-20'])
  t.deepEqual(await list('statusIndicator=ERROR'), ['h-07', 'h-14', 'h-21'])
  t.deepEqual(await list('desiredState=PROVISIONED&statusIndicator=ERROR'), ['h-07', 'h-14', 'h-21'])
  t.deepEqual(await list('desiredState=PROVISIONED&currentState=UNSPECIFIED'), ['h-07', 'h-14', 'h-21'])
  t.is((await list('desiredState=UNSPECIFIED')).length, 25 - 5 - 3)
  t.deepEqual(await list('currentState=DISCONNECTED'), [])
  const viaAll = await api.request('GET', '/api/v1/hosts?tenantId=acme&statusIndicator=ERROR&limit=2', { token })
  t.deepEqual(hostIds(viaAll.json), ['h-07', 'h-14'])
  t.is(typeof viaAll.json.nextCursor, 'string')
})

test('a host answers with its AMT fields in the status-topic names', async (t) => {
  const { api, token } = await fleet(t)
  const host = await api.request('GET', '/api/v1/tenants/acme/hosts/h-05', { token })
  t.like(host.json, {
    tenantId: 'acme',
    hostId: 'h-05',
    desiredState: 'PROVISIONED',
    currentState: 'PROVISIONED',
    status: 'AMT Activation Done',
    statusIndicator: 'IDLE',
    controlMode: 'CCM',
  })
  t.is(typeof host.json.statusTimestamp, 'number')
  t.is((await api.request('GET', '/api/v1/tenants/acme/hosts/nope', { token })).json.code, 'HOST_NOT_FOUND')
  t.is(
    (await api.request('GET', '/api/v1/tenants/nope/hosts', { token: await api.token('viewer', '*') })).json.code,
    'TENANT_NOT_FOUND',
  )
})

test('bad filters, limits and cursors are VALIDATION_FAILED answers', async (t) => {
  const { api, token } = await fleet(t)
  for (const query of [
    'currentState=ACTIVE',
    'statusIndicator=red',
    'limit=0',
    'limit=1001',
    'limit=ten',
    'cursor=%2F%2F%2F',
    'unknown=1&limit=x',
  ]) {
    const answer = await api.request('GET', `/api/v1/tenants/acme/hosts?${query}`, { token })
    t.is(answer.status, 400, query)
    t.is(answer.json.code, 'VALIDATION_FAILED', query)
    t.is(typeof answer.json.requestId, 'string')
  }
})
