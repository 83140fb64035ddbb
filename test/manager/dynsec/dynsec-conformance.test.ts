import { silentLogger } from '../../../lib/log.ts'
import { DynsecControl } from '../../../manager/dynsec/dynsec-control.ts'
import { dynsecConformance } from '../../conformance/dynsec.ts'
import { startDynsecMosquitto } from '../../e2e/support/mosquitto-dynsec.ts'
import { newCredential } from '../../e2e/support/manager-process.ts'
import { FakeDynsec } from './fake-dynsec.ts'

dynsecConformance('fake dynamic security', (t) => {
  const fake = new FakeDynsec()
  fake.clients.set('amt-manager', { password: 'x', clientid: undefined, roles: [{ rolename: 'admin' }] })
  // The real plugin drops the answer to a change of the asking client's own roles (it disconnects it first).
  fake.loseAnswerOf = 'addClientRole'
  t.teardown(() => fake.close())
  return Promise.resolve({ requester: fake, manager: 'amt-manager' })
})

dynsecConformance('Mosquitto 2 dynamic-security plugin', async (t) => {
  const admin = newCredential('amt-manager')
  const broker = await startDynsecMosquitto(t, admin)
  const requester = new DynsecControl({
    url: broker.url,
    ...admin,
    clientId: 'conformance:dynsec',
    reconnectPeriodMs: 100,
    log: silentLogger(),
  })
  t.teardown(() => requester.close())
  return { requester, manager: admin.username }
})
