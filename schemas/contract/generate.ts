/**
 * `npm run contract:generate`: writes docs/schemas/*.schema.json and docs/asyncapi.yaml from the zod schemas,
 * and removes schema files no leaf generates any more.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateContractFiles, REPO_ROOT, SCHEMAS_DIR } from './contract-files.ts'

const root = fileURLToPath(REPO_ROOT)
const files = generateContractFiles()

for (const [path, content] of Object.entries(files)) {
  mkdirSync(dirname(root + path), { recursive: true })
  writeFileSync(root + path, content)
  console.log(`wrote ${path}`)
}
for (const name of readdirSync(root + SCHEMAS_DIR)) {
  const path = `${SCHEMAS_DIR}/${name}`
  if (name.endsWith('.schema.json') && !(path in files)) {
    rmSync(root + path)
    console.log(`removed ${path}`)
  }
}
