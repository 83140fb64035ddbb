import { Writable } from 'node:stream'
import test from 'ava'
import { Registry } from 'prom-client'
import { createLogger } from '../../../lib/log.ts'
import { createDynsecAccounts } from '../../../manager/dynsec/broker-accounts.ts'
import { deviceAcls, MANAGER_ROLE } from '../../../manager/dynsec/dynsec-acls.ts'
import { FakeDynsec } from './fake-dynsec.ts'

const KEY = { tenantId: 'acme', hostId: 'node-1' }

function setup() {
  const dynsec = new FakeDynsec()
  const lines: string[] = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'))
      done()
    },
  })
  const registry = new Registry()
  const accounts = createDynsecAccounts(dynsec, {
    log: createLogger({ name: 'test', level: 'info', destination }),
    registry,
  })
  const failures = async (operation: string) =>
    (await registry.getSingleMetric('amt_manager_broker_account_failures_total')?.get())?.values.find(
      (v) => v.labels.operation === operation,
    )?.value ?? 0
  return { dynsec, accounts, log: () => lines.join(''), failures }
}

test('putDevice creates the client bound to its client id with its own role, and again updates the password', async (t) => {
  const { dynsec, accounts, log } = setup()
  await accounts.putDevice(KEY, 'first-secret')
  t.like(dynsec.clients.get('node-1@acme'), {
    password: 'first-secret',
    clientid: 'amt-agent:acme:node-1',
    roles: [{ rolename: 'amt-device:acme:node-1' }],
  })
  t.deepEqual(dynsec.roles.get('amt-device:acme:node-1'), deviceAcls(KEY))
  await accounts.putDevice(KEY, 'second-secret')
  t.like(dynsec.clients.get('node-1@acme'), { password: 'second-secret' })
  t.is(dynsec.clients.size, 1)
  t.false(log().includes('secret'), 'no password logged')
})

test('removeDevice removes client and role; removing again succeeds (already as wanted)', async (t) => {
  const { dynsec, accounts } = setup()
  await accounts.putDevice(KEY, 'a-secret')
  await accounts.removeDevice(KEY)
  await accounts.removeDevice(KEY)
  t.is(dynsec.clients.size, 0)
  t.is(dynsec.roles.size, 0)
})

test('a refused or unanswered operation rejects, is logged with its reason and counted', async (t) => {
  const { dynsec, accounts, log, failures } = setup()
  dynsec.refuse = 'createClient'
  const refused = await t.throwsAsync(accounts.putDevice(KEY, 'the-secret'))
  t.regex(refused?.message ?? '', /createClient: Permission denied/)
  t.is(await failures('put-device'), 1)
  dynsec.refuse = null
  dynsec.loseAnswerOf = 'deleteClient'
  await t.throwsAsync(accounts.removeDevice(KEY), { message: /no answer/ })
  t.is(await failures('remove-device'), 1)
  t.regex(log(), /broker account operation failed/)
  t.false(log().includes('the-secret'))
})

test('ensureManagerRole: creates the role and adds it to the manager, even when the answer is lost to the kick', async (t) => {
  const { dynsec, accounts } = setup()
  dynsec.clients.set('amt-manager', { password: 'x', clientid: undefined, roles: [{ rolename: 'admin' }] })
  dynsec.loseAnswerOf = 'addClientRole'
  await accounts.ensureManagerRole('amt-manager')
  t.deepEqual(dynsec.clients.get('amt-manager')?.roles, [{ rolename: 'admin' }, { rolename: MANAGER_ROLE }])
  const sent = dynsec.sent.length
  await accounts.ensureManagerRole('amt-manager')
  t.is(dynsec.sent.length, sent + 1, 'present already: one request, no addClientRole')
})

test('ensureManagerRole fails when the manager principal is not a dynsec client', async (t) => {
  const { accounts } = setup()
  await t.throwsAsync(accounts.ensureManagerRole('amt-manager'), { message: /getClient: Client not found/ })
})
