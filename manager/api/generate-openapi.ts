import { readFile, writeFile } from 'node:fs/promises'
import { buildOpenApiDocument, OPENAPI_FILE, renderOpenApi } from './openapi-document.ts'

/**
 * Writes docs/openapi.json from the zod route schemas:  tsx manager/api/generate-openapi.ts
 * With --check it writes nothing and exits 1 when the committed file is out of date.
 */
const text = renderOpenApi(await buildOpenApiDocument())
if (process.argv.includes('--check')) {
  const committed = await readFile(OPENAPI_FILE, 'utf8').catch(() => '')
  if (committed !== text) {
    process.stderr.write(`${OPENAPI_FILE} is out of date: run tsx manager/api/generate-openapi.ts\n`)
    process.exitCode = 1
  }
} else {
  await writeFile(OPENAPI_FILE, text)
  process.stdout.write(`wrote ${OPENAPI_FILE}\n`)
}
