import { readFileSync } from 'node:fs'
import test from 'ava'
import { REPO_ROOT } from '../../schemas/contract/contract-files.ts'
import { REJECTION_REASONS } from '../../schemas/decode.ts'
import { LEAF_RULES, LEAVES } from '../../schemas/topics.ts'

const doc = readFileSync(new URL('docs/topics.md', REPO_ROOT), 'utf8')

/** Rows of the first markdown table after `heading`, as trimmed cells (header and separator skipped). */
function tableAfter(heading: string): string[][] {
  const start = doc.indexOf(`\n${heading}\n`)
  if (start === -1) throw new Error(`docs/topics.md has no "${heading}" section`)
  const lines = doc.slice(start).split('\n')
  const first = lines.findIndex((line) => line.startsWith('|'))
  const rows: string[][] = []
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    )
  }
  return rows
}

test('docs/topics.md: the leaf table matches LEAF_RULES', (t) => {
  const rows = tableAfter('## Leaves')
  const documented = rows.map(([leaf = '', direction = '', retained = '', qos = '']) => ({
    leaf: leaf.replaceAll('`', ''),
    from: direction.split(' ')[0],
    retained: retained === 'yes' ? true : retained === 'no' ? false : retained,
    qos: Number(qos),
  }))
  t.deepEqual(documented.map((row) => row.leaf).sort(), [...LEAVES].sort(), 'every leaf once, no other')
  for (const row of documented) {
    const rule = LEAF_RULES[row.leaf as keyof typeof LEAF_RULES]
    t.deepEqual(
      { from: row.from, retained: row.retained, qos: row.qos },
      { ...rule },
      `row of ${row.leaf} in docs/topics.md`,
    )
  }
})

test('docs/topics.md: the rejection table lists every reason', (t) => {
  const reasons = tableAfter('## Rejections').map(([reason = '']) => reason.replaceAll('`', ''))
  t.deepEqual(reasons.sort(), [...REJECTION_REASONS].sort())
})

test('docs/topics.md: says how to regenerate the generated docs', (t) => {
  t.true(doc.includes('npm run contract:generate'))
})
