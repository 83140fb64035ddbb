import { readFile } from 'node:fs/promises'
import test from 'ava'
import { API_ERRORS, type ApiErrorCode } from '../../../manager/api/errors.ts'
import { toApiError } from '../../../manager/api/error-handler.ts'
import { DomainError } from '../../../manager/core/errors.ts'
import { InventoryError, NotFoundError, VersionConflictError } from '../../../manager/inventory/errors.ts'
import { startApi } from './api-harness.ts'

const DOC = new URL('../../../docs/api.md', import.meta.url)

/** The rows between the catalogue markers of docs/api.md: code → status. */
async function documentedCatalogue(): Promise<Map<string, number>> {
  const text = await readFile(DOC, 'utf8')
  const section = /<!-- error-catalogue:start -->([\s\S]*?)<!-- error-catalogue:end -->/.exec(text)?.[1] ?? ''
  const rows = section.split('\n').flatMap((line) => {
    const match = /^\| ([A-Z_]+) \| (\d{3}) \|/.exec(line)
    return match ? [[match[1] ?? '', Number(match[2])] as const] : []
  })
  return new Map(rows)
}

test('docs/api.md documents exactly the catalogue, with the same statuses', async (t) => {
  const documented = await documentedCatalogue()
  const catalogue = new Map(Object.entries(API_ERRORS).map(([code, { status }]) => [code, status]))
  t.deepEqual([...documented.keys()].sort(), [...catalogue.keys()].sort())
  for (const [code, status] of catalogue) t.is(documented.get(code), status, code)
})

test('Inventory and domain failures map to catalogue codes', (t) => {
  const cases: Array<[unknown, ApiErrorCode]> = [
    [new NotFoundError('tenant', { tenantId: 'a' }), 'TENANT_NOT_FOUND'],
    [new NotFoundError('host', { tenantId: 'a', hostId: 'h' }), 'HOST_NOT_FOUND'],
    [new VersionConflictError({ tenantId: 'a', hostId: 'h', expectedVersion: 1, actualVersion: 2 }), 'HOST_CHANGED'],
    [new InventoryError('INVENTORY_STORAGE_FAILED', 'disk full'), 'STORAGE_UNAVAILABLE'],
    [new InventoryError('INVENTORY_CLOSED', 'closed'), 'STORAGE_UNAVAILABLE'],
    [new InventoryError('INVENTORY_INVALID_INPUT', 'invalid cursor'), 'VALIDATION_FAILED'],
    [new DomainError('DESIRED_HOST_DELETING', 'deleting'), 'HOST_DELETING'],
    [new DomainError('PREPARATION_FAILED', 'rps down'), 'PREPARATION_FAILED'],
    [new Error('boom'), 'INTERNAL'],
  ]
  for (const [err, code] of cases) t.is(toApiError(err).code, code)
  t.is(
    toApiError(new Error('secret detail')).message,
    API_ERRORS.INTERNAL.message,
    'internal errors answer a generic message',
  )
})

test('transport-level failures are catalogue answers too', async (t) => {
  const api = await startApi(t)
  const token = await api.token('admin', '*')
  const unknownRoute = await api.request('GET', '/api/v2/nothing', { token })
  t.deepEqual([unknownRoute.status, unknownRoute.json.code], [404, 'ROUTE_NOT_FOUND'])
  const text = await api.request('POST', '/api/v1/tenants', {
    token,
    body: '<tenant/>',
    headers: { 'content-type': 'application/xml' },
  })
  t.deepEqual([text.status, text.json.code], [415, 'UNSUPPORTED_MEDIA_TYPE'])
  const huge = await api.request('POST', '/api/v1/tenants', {
    token,
    body: { tenantId: 'x', name: 'n'.repeat(2 * 1024 * 1024) },
  })
  t.deepEqual([huge.status, huge.json.code], [413, 'PAYLOAD_TOO_LARGE'])
  const broken = await api.request('POST', '/api/v1/tenants', { token, body: '{"tenantId":' })
  t.deepEqual([broken.status, broken.json.code], [400, 'MALFORMED_JSON'])
  for (const answer of [unknownRoute, text, huge, broken]) t.is(typeof answer.json.requestId, 'string')
})

test('storage failures answer 503 STORAGE_UNAVAILABLE', async (t) => {
  const api = await startApi(t)
  const token = await api.token('viewer', '*')
  await api.inventory.close()
  const answer = await api.request('GET', '/api/v1/hosts', { token })
  t.deepEqual([answer.status, answer.json.code], [503, 'STORAGE_UNAVAILABLE'])
  t.is((await api.request('GET', '/readyz')).status, 503)
})
