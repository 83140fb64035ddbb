import test from 'ava'
import { formatFields, formatTable } from '../../../manager/cli/table.ts'

test('tables pad columns to the widest cell and cut long values', (t) => {
  const rows = [
    { a: 'x', b: 'long value here' },
    { a: 'wider', b: 'b' },
  ]
  const text = formatTable(
    [
      { header: 'A', value: (row: (typeof rows)[number]) => row.a },
      { header: 'B', value: (row) => row.b, maxWidth: 6 },
    ],
    rows,
  )
  t.is(text, 'A      B\nx      long …\nwider  b\n')
  t.is(
    formatFields([
      ['k', 'v'],
      ['longer', 'w'],
    ]),
    'k:      v\nlonger: w\n',
  )
})
