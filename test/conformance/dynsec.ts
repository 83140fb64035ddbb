import test, { type ExecutionContext } from 'ava'
import { silentLogger } from '../../lib/log.ts'
import { createDynsecAccounts, type DynsecRequester } from '../../manager/dynsec/broker-accounts.ts'
import { MANAGER_ROLE } from '../../manager/dynsec/dynsec-acls.ts'

/** A dynamic-security endpoint whose `manager` client exists with the plugin's admin role (mosquitto_ctrl dynsec init). */
export type OpenDynsec = (t: ExecutionContext) => Promise<{ requester: DynsecRequester; manager: string }>

const KEY = { tenantId: 'acme', hostId: 'node-1' }

/** What the manager relies on from Mosquitto 2.0's plugin: its answers, error texts and effects. */
export function dynsecConformance(label: string, open: OpenDynsec): void {
  test(`${label}: device accounts are idempotent; getClient shows the client id binding and the role`, async (t) => {
    const { requester } = await open(t)
    const accounts = createDynsecAccounts(requester, { log: silentLogger() })
    await accounts.putDevice(KEY, 'first-password-1')
    await accounts.putDevice(KEY, 'second-password-2')
    const [client] = await requester.request([{ command: 'getClient', username: 'node-1@acme' }])
    t.like(client, {
      command: 'getClient',
      data: { client: { username: 'node-1@acme', roles: [{ rolename: 'amt-device:acme:node-1' }] } },
    })
    t.deepEqual(await accounts.listDevices(), [KEY], 'only device usernames are listed')
    await accounts.removeDevice(KEY)
    await accounts.removeDevice(KEY)
    t.deepEqual(await accounts.listDevices(), [])
  })

  test(`${label}: the error texts the manager tolerates`, async (t) => {
    const { requester } = await open(t)
    const answers = await requester.request([
      { command: 'createRole', rolename: 'r' },
      { command: 'createRole', rolename: 'r' },
      { command: 'createClient', username: 'u@t', password: 'p' },
      { command: 'createClient', username: 'u@t', password: 'p' },
      { command: 'deleteClient', username: 'u@t' },
      { command: 'deleteClient', username: 'u@t' },
      { command: 'deleteRole', rolename: 'r' },
      { command: 'deleteRole', rolename: 'r' },
    ])
    t.deepEqual(
      answers.map((answer) => answer.error ?? 'ok'),
      ['ok', 'Role already exists', 'ok', 'Client already exists', 'ok', 'Client not found', 'ok', 'Role not found'],
    )
  })

  test(`${label}: the manager gets its role once, even though the plugin disconnects it for that`, async (t) => {
    const { requester, manager } = await open(t)
    const accounts = createDynsecAccounts(requester, { log: silentLogger() })
    await accounts.ensureManagerRole(manager)
    await accounts.ensureManagerRole(manager)
    const [client] = await requester.request([{ command: 'getClient', username: manager }])
    t.like(client, { data: { client: { roles: [{ rolename: 'admin' }, { rolename: MANAGER_ROLE }] } } })
  })
}
