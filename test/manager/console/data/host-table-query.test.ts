import test from 'ava'
import {
  hostsUrl,
  nextPageOf,
  parseHostTableQuery,
  previousPageOf,
} from '../../../../manager/console/data/host-table-query.ts'

test('the query string parses as the API’s parameters; empty values are no filter', (t) => {
  const query = parseHostTableQuery({ condition: 'FAILED', online: 'false', sku: '', search: '  ', limit: '25' })
  t.is(query.condition, 'FAILED')
  t.is(query.online, false)
  t.is(query.sku, undefined)
  t.is(query.search, undefined)
  t.is(query.limit, 25)
  t.is(query.sort, 'hostId')
  t.deepEqual(query.back, [])
  t.throws(() => parseHostTableQuery({ sort: 'password' }), { message: /invalid hosts query: sort/ })
  t.throws(() => parseHostTableQuery({ limit: '5000' }), { message: /limit/ })
})

const queryOf = (url: string) => parseHostTableQuery(Object.fromEntries(new URLSearchParams(url.split('?')[1])))

test('next keeps a trail of cursors, so previous goes back one page at a time to the first', (t) => {
  const first = parseHostTableQuery({ capability: 'AMT', limit: '2' })
  t.is(previousPageOf(first), null)
  const second = queryOf(hostsUrl('acme', nextPageOf(first, 'c1', 2)))
  t.deepEqual([second.cursor, second.start, second.back], ['c1', 3, ['-']])
  const third = queryOf(hostsUrl('acme', nextPageOf(second, 'c2', 2)))
  t.deepEqual([third.cursor, third.start, third.back], ['c2', 5, ['-', 'c1']])
  t.is(
    hostsUrl('acme', previousPageOf(third) ?? {}),
    '/console/tenants/acme/hosts?capability=AMT&limit=2&cursor=c1&start=3&back=-',
  )
  t.is(hostsUrl('acme', previousPageOf(second) ?? {}), '/console/tenants/acme/hosts?capability=AMT&limit=2')
})
