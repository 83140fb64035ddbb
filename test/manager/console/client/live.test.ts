import test from 'ava'
import { refreshOnFirstOpen } from '../../../../manager/console/client/live.ts'

test('the page re-reads what it shows when its stream first opens, not on a reconnect', (t) => {
  let refreshes = 0
  const onConnection = refreshOnFirstOpen(() => refreshes++)
  onConnection('reconnecting')
  t.is(refreshes, 0, 'not before the stream is open')
  onConnection('open')
  t.is(refreshes, 1, 'the first opening: what changed since the render is read again')
  onConnection('reconnecting')
  onConnection('open')
  onConnection('closed')
  t.is(refreshes, 1, 'a reconnect resumes by Last-Event-ID (or resyncs): no extra re-read')
})
