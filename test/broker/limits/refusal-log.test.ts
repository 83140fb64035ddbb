import test from 'ava'
import { createLogger } from '../../../lib/log.ts'
import { RefusalLog } from '../../../broker/limits/refusal-log.ts'

interface Line {
  level: number
  msg: string
  reason?: string
  remoteAddress?: string
  refused?: number
  windowSeconds?: number
}

const WARN = 40

/** A RefusalLog writing through a real pino logger into an array, on a clock the test moves by hand. */
function capturedRefusalLog(options: { windowMs?: number; maxAddresses?: number } = {}) {
  const lines: Line[] = []
  const destination = { write: (text: string) => void lines.push(JSON.parse(text) as Line) }
  const log = createLogger({ name: 'test', level: 'info', destination })
  const clock = { ms: Date.parse('2026-01-01T00:00:00Z') }
  const refusals = new RefusalLog({ log, now: () => clock.ms, ...options })
  const refuse = (remoteAddress: string, times = 1, reason = 'rate-limited') => {
    for (let i = 0; i < times; i++) refusals.refused({ reason, remoteAddress, clientId: `c${i}` })
  }
  return { lines, clock, refusals, refuse }
}

test('the first refusal of an address is a warning; the rest of its window is counted, then summarised', (t) => {
  const { lines, clock, refuse } = capturedRefusalLog({ windowMs: 10_000 })
  refuse('192.0.2.7', 1)
  t.is(lines.length, 1)
  t.like(lines[0], { level: WARN, reason: 'rate-limited', remoteAddress: '192.0.2.7' })
  clock.ms += 9_999
  refuse('192.0.2.7', 499)
  t.is(lines.length, 1, 'no line for refusals within the window')
  clock.ms += 1
  refuse('192.0.2.7', 1)
  t.is(lines.length, 3, 'the next refusal after the window: a summary of the last one, and a new warning')
  t.like(lines[1], { level: WARN, reason: 'rate-limited', remoteAddress: '192.0.2.7', refused: 500, windowSeconds: 10 })
  t.like(lines[2], { level: WARN, reason: 'rate-limited', remoteAddress: '192.0.2.7' })
  t.is(lines[2]?.refused, undefined)
})

test('a window ends with a summary at the next flush (every connection attempt), not only at the next refusal', (t) => {
  const { lines, clock, refusals, refuse } = capturedRefusalLog({ windowMs: 10_000 })
  refuse('192.0.2.7', 30)
  refusals.flush()
  t.is(lines.length, 1, 'nothing to summarise while the window is open')
  clock.ms += 10_000
  refusals.flush()
  t.is(lines.length, 2)
  t.like(lines[1], { remoteAddress: '192.0.2.7', refused: 30 })
  clock.ms += 60_000
  refusals.flush()
  t.is(lines.length, 2, 'each window is summarised once')
})

test('a single refusal needs no summary', (t) => {
  const { lines, clock, refusals, refuse } = capturedRefusalLog({ windowMs: 10_000 })
  refuse('192.0.2.7', 1)
  clock.ms += 10_000
  refusals.flush()
  t.is(lines.length, 1)
})

test('addresses and reasons have their own windows', (t) => {
  const { lines, clock, refusals, refuse } = capturedRefusalLog({ windowMs: 10_000 })
  refuse('192.0.2.7', 5)
  clock.ms += 5_000
  refuse('198.51.100.9', 3)
  refuse('192.0.2.7', 2, 'max-connections')
  t.deepEqual(
    lines.map((line) => `${line.reason} ${line.remoteAddress}`),
    ['rate-limited 192.0.2.7', 'rate-limited 198.51.100.9', 'max-connections 192.0.2.7'],
  )
  clock.ms += 5_000
  refusals.flush()
  t.is(lines.length, 4, 'only the first window has ended')
  t.like(lines[3], { reason: 'rate-limited', remoteAddress: '192.0.2.7', refused: 5 })
  clock.ms += 5_000
  refusals.flush()
  t.deepEqual(
    lines.slice(4).map((line) => [line.reason, line.remoteAddress, line.refused]),
    [
      ['rate-limited', '198.51.100.9', 3],
      ['max-connections', '192.0.2.7', 2],
    ],
  )
})

test('memory stays bounded: beyond maxAddresses refusals are counted together and summarised once', (t) => {
  const { lines, clock, refusals, refuse } = capturedRefusalLog({ windowMs: 10_000, maxAddresses: 100 })
  for (let i = 0; i < 5000; i++) refuse(`10.0.${i >> 8}.${i & 255}`)
  t.is(lines.length, 100, 'one warning per tracked address')
  clock.ms += 10_000
  refusals.flush()
  t.is(lines.length, 101)
  t.like(lines[100], { level: WARN, refused: 4900, windowSeconds: 10 })
  refuse('10.0.0.1')
  t.is(lines.length, 102, 'tracked again once the windows ended')
})
