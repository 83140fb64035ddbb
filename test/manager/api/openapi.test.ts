import { readFile } from 'node:fs/promises'
import test from 'ava'
import { buildOpenApiDocument, OPENAPI_FILE, renderOpenApi } from '../../../manager/api/openapi-document.ts'
import { API_ERRORS } from '../../../manager/api/errors.ts'

test('docs/openapi.json is up to date (regenerate: tsx manager/api/generate-openapi.ts)', async (t) => {
  const generated = renderOpenApi(await buildOpenApiDocument())
  const committed = await readFile(OPENAPI_FILE, 'utf8')
  t.true(
    committed === generated,
    'docs/openapi.json differs from the route schemas: run tsx manager/api/generate-openapi.ts',
  )
})

test('the document describes bearer auth, the public probes and the error codes', async (t) => {
  const document = (await buildOpenApiDocument()) as {
    openapi: string
    security: unknown
    paths: Record<string, Record<string, { security?: unknown[]; operationId?: string }>>
    components: { schemas: { Error: { properties: { code: { enum: string[] } } } } }
  }
  t.is(document.openapi, '3.0.3')
  t.deepEqual(document.security, [{ bearerAuth: [] }])
  for (const probe of ['/healthz', '/readyz', '/metrics']) t.deepEqual(document.paths[probe]?.get?.security, [], probe)
  t.deepEqual(document.components.schemas.Error.properties.code.enum, Object.keys(API_ERRORS))
  const operations = Object.values(document.paths).flatMap((methods) =>
    Object.values(methods).map((operation) => operation.operationId),
  )
  t.true(
    operations.every((id) => typeof id === 'string'),
    'every operation has an operationId',
  )
  t.is(new Set(operations).size, operations.length)
})
