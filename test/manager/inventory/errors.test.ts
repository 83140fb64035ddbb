import { readFileSync } from 'node:fs'
import test from 'ava'
import { INVENTORY_ERROR_CODES } from '../../../manager/inventory/errors.ts'

const read = (file: string) => readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8')

test('every Inventory error code is documented in errors.ts and docs/inventory.md', (t) => {
  const source = read('manager/inventory/errors.ts')
  const docs = read('docs/inventory.md')
  for (const code of INVENTORY_ERROR_CODES) {
    t.true(source.includes(` * - ${code}: `), `${code} is not described in errors.ts`)
    t.true(docs.includes(`\`${code}\``), `${code} is not in docs/inventory.md`)
  }
})
