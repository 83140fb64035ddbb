import test from 'ava'
import { parseBrokerConfig } from '../../../broker/config.ts'
import { ConnectRateLimiter, type ConnectRateLimiterOptions } from '../../../broker/limits/connect-rate-limiter.ts'

/** A limiter on a clock the test moves by hand. */
function limiterAt(options: Omit<ConnectRateLimiterOptions, 'now'>) {
  const clock = { ms: 1_000_000 }
  const limiter = new ConnectRateLimiter({ ...options, now: () => clock.ms })
  const attempts = (address: string, count: number): number => {
    let admitted = 0
    for (let i = 0; i < count; i++) if (limiter.tryAcquire(address)) admitted += 1
    return admitted
  }
  return { clock, limiter, attempts }
}

test('a burst is admitted at once, then attempts are refused until tokens refill', (t) => {
  const { limiter, attempts } = limiterAt({ burst: 5, perSecond: 1 })
  t.is(attempts('10.0.0.1', 5), 5)
  t.false(limiter.tryAcquire('10.0.0.1'))
  t.is(attempts('10.0.0.1', 100), 0, 'refused attempts take no token and earn none')
})

test('tokens refill at perSecond, fractions carry over, and never beyond the burst', (t) => {
  const { clock, attempts } = limiterAt({ burst: 10, perSecond: 4 })
  t.is(attempts('a', 10), 10)
  clock.ms += 1000
  t.is(attempts('a', 10), 4, 'one second earns perSecond tokens')
  clock.ms += 125
  t.is(attempts('a', 10), 0, 'half a token is not enough')
  clock.ms += 125
  t.is(attempts('a', 10), 1, 'two halves make one')
  clock.ms += 3_600_000
  t.is(attempts('a', 100), 10, 'an hour of quiet refills only up to the burst')
})

test('a fractional rate (one attempt every two seconds)', (t) => {
  const { clock, attempts } = limiterAt({ burst: 1, perSecond: 0.5 })
  t.is(attempts('a', 3), 1)
  clock.ms += 1999
  t.is(attempts('a', 1), 0)
  clock.ms += 1
  t.is(attempts('a', 1), 1)
})

test('addresses have their own buckets', (t) => {
  const { attempts } = limiterAt({ burst: 3, perSecond: 1 })
  t.is(attempts('10.0.0.1', 10), 3)
  t.is(attempts('10.0.0.2', 10), 3)
  t.is(attempts('10.0.0.1', 10), 0)
})

test('a clock that steps back earns no tokens and does not break the bucket', (t) => {
  const { clock, attempts } = limiterAt({ burst: 2, perSecond: 1 })
  t.is(attempts('a', 2), 2)
  clock.ms -= 60_000
  t.is(attempts('a', 5), 0)
  clock.ms += 60_000 + 1000
  t.is(attempts('a', 5), 1)
})

test('the defaults let 1,000 devices behind one address connect at once and all reconnect within a minute', (t) => {
  const parsed = parseBrokerConfig({ listeners: { tcp: {} } })
  if (!parsed.ok) return t.fail(parsed.problems.join('; '))
  const { clock, attempts } = limiterAt(parsed.config.limits.connectRateLimit)
  t.is(attempts('192.0.2.7', 1000), 1000, 'a whole site at once')
  // The site drops and comes back straight away: the refill admits it within a minute, spread as agents retry.
  let admitted = 0
  for (let second = 1; second <= 60 && admitted < 1000; second++) {
    clock.ms += 1000
    admitted += attempts('192.0.2.7', 1000 - admitted)
  }
  t.is(admitted, 1000)
  // Still a limit: one address flooding for a minute gets no more than the burst plus a minute of refill.
  clock.ms += 3_600_000
  let flood = 0
  for (let ms = 0; ms < 60_000; ms += 10) {
    clock.ms += 10
    flood += attempts('198.51.100.9', 50)
  }
  t.true(flood <= 1000 + 20 * 60, `${flood} of 300,000 admitted`)
  t.true(flood >= 1000 + 20 * 59)
})

test('bounded memory: full buckets are swept; beyond maxAddresses the least recently seen is forgotten', (t) => {
  const { clock, limiter, attempts } = limiterAt({ burst: 2, perSecond: 1, sweepAbove: 100, maxAddresses: 1000 })
  for (let i = 0; i < 50_000; i++) limiter.tryAcquire(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`)
  t.true(limiter.trackedAddresses <= 1000, `${limiter.trackedAddresses} addresses tracked`)
  // A busy address stays tracked (it is recently seen) and stays limited while others come and go.
  t.is(attempts('busy', 2), 2)
  for (let i = 0; i < 5000; i++) {
    limiter.tryAcquire(`spray-${i}`)
    if (i % 100 === 0) t.false(limiter.tryAcquire('busy'), `busy is still limited after ${i} other addresses`)
  }
  // Once every bucket has refilled, the next new addresses sweep the table down.
  clock.ms += 2000
  for (let i = 0; i < 10; i++) limiter.tryAcquire(`late-${i}`)
  t.true(limiter.trackedAddresses <= 10 + 1, `${limiter.trackedAddresses} addresses tracked after the sweep`)
})
