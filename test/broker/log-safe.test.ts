import { createHash } from 'node:crypto'
import test from 'ava'
import {
  fingerprint,
  loggableClientId,
  loggableTopic,
  loggableUsername,
  markClientIdVetted,
} from '../../broker/log-safe.ts'

const sha = (value: string): string => `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 12)}`

test('fingerprints match what `printf %s VALUE | sha256sum | cut -c1-12` prints', (t) => {
  t.is(fingerprint('amt_secret-token'), sha('amt_secret-token'))
})

test('usernames: a device username is shown, anything else (an integrator, a password typed there) is a fingerprint', (t) => {
  t.is(loggableUsername('host-1@acme'), 'host-1@acme')
  t.is(loggableUsername('dashboard'), sha('dashboard'))
  t.is(loggableUsername('p@ss/word'), sha('p@ss/word'))
  t.is(loggableUsername(undefined), undefined)
})

test('client ids: agent-shaped or vetted by the client-id policy are shown; others are fingerprints', (t) => {
  const client = {}
  t.is(loggableClientId(client, 'amt-agent:acme:host-1:status-ab12'), 'amt-agent:acme:host-1:status-ab12')
  t.is(loggableClientId(client, 'dashboard:1'), sha('dashboard:1'))
  t.is(loggableClientId(client, 'amt-agent:ac/me'), sha('amt-agent:ac/me'))
  markClientIdVetted(client)
  t.is(loggableClientId(client, 'dashboard:1'), 'dashboard:1')
})

test("topics: the tree's words and the principal's own tenant and host are shown, every other segment is a fingerprint", (t) => {
  const device = { id: 'host-1@acme', role: 'device' as const, tenantId: 'acme', hostId: 'host-1' }
  t.is(loggableTopic('amt/v1/acme/host-1/secret/req', device), 'amt/v1/acme/host-1/secret/req')
  t.is(loggableTopic('amt/v1/other/host-2/state', device), `amt/v1/${sha('other')}/${sha('host-2')}/state`)
  t.is(loggableTopic('amt/v1/+/#', undefined), 'amt/v1/+/#')
  t.is(loggableTopic('amt/v1/acme/host-1/amt_token', device), `amt/v1/acme/host-1/${sha('amt_token')}`)
})
