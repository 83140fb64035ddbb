import { Writable } from 'node:stream'
import test from 'ava'
import { createLogger } from '../../../lib/log.ts'
import { hostDetails } from '../../../manager/cli/host-views.ts'
import { hostView } from '../../../manager/api/views.ts'
import { AgentMessages, capable, seedHost, startTestCore } from '../../helpers/manager-core.ts'

const HOST_ID = '4C4C4544-005A-3510-8047-B4C04F564433'
const WARNING = 'the AMT UUID reported by amtinfo differs from the host id'

/** A core whose log lines are kept (JSON objects). */
async function coreWithLog(t: Parameters<typeof startTestCore>[0]) {
  const lines: Array<Record<string, unknown>> = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>)
      done()
    },
  })
  const started = await startTestCore(t, { log: createLogger({ name: 'test', level: 'info', destination }) })
  const host = await seedHost(started.inventory, HOST_ID)
  const agent = new AgentMessages(host)
  const report = async (amtUuid: string | undefined, dnsSuffix = '') => {
    const { topic, payload } = agent.encode('capability', {
      ...capable('AMT'),
      dnsSuffix,
      ...(amtUuid === undefined ? {} : { amtUuid }),
    })
    await started.dispatch(topic, payload, true)
    await started.core.idle()
    return hostView(await started.inventory.getHost(host))
  }
  return { ...started, report, warnings: () => lines.filter((line) => line.msg === WARNING) }
}

test('the AMT UUID equal to the hostId in another case: identity matches, no warning', async (t) => {
  const { report, warnings } = await coreWithLog(t)
  const view = await report(HOST_ID.toLowerCase())
  t.deepEqual(view.identity, { amtUuid: HOST_ID.toLowerCase(), matches: true })
  t.regex(hostDetails(view), /amt uuid:\s+4c4c4544-005a-3510-8047-b4c04f564433 \(matches the host id\)/)
  t.is(warnings().length, 0)
})

test('a different AMT UUID: the view shows the mismatch and the manager warns once per change', async (t) => {
  const { report, warnings } = await coreWithLog(t)
  const other = '8f4e2d1c-0b3a-4c5d-9e6f-7a8b9c0d1e2f'
  const view = await report(other)
  t.deepEqual(view.identity, { amtUuid: other, matches: false })
  t.regex(hostDetails(view), /amt uuid:\s+8f4e2d1c-0b3a-4c5d-9e6f-7a8b9c0d1e2f \(MISMATCH: differs from the host id\)/)
  t.like(warnings(), [{ level: 40, tenantId: 'acme', hostId: HOST_ID, amtUuid: other }])

  await report(other) // the same report again
  await report(other, 'corp.example') // another change, the same AMT UUID
  t.is(warnings().length, 1, 'not repeated while the reported UUID stays the same')

  const third = '0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6'
  t.deepEqual((await report(third)).identity, { amtUuid: third, matches: false })
  t.is(warnings().length, 2, 'a new mismatching UUID warns again')
  t.deepEqual((await report(HOST_ID)).identity, { amtUuid: HOST_ID, matches: true })
  t.is(warnings().length, 2)
})

test('no AMT UUID reported (older agent, unreadable uuid): identity is null', async (t) => {
  const { report, warnings } = await coreWithLog(t)
  const view = await report(undefined)
  t.is(view.identity, null)
  t.regex(hostDetails(view), /amt uuid:\s+-/)
  t.is(warnings().length, 0)
})
