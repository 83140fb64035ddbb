import test from 'ava'
import { startAgentHarness } from '../../helpers/agent-harness.ts'

// The AMT UUID in `capability`, end to end: the rpc emulator prints it in amtinfo (v2 and v3), the real agent parses
// it and carries it as amtUuid; an unreadable uuid leaves the field out (the message stays backward compatible).

for (const rpcLine of ['v2', 'v3'] as const) {
  test(`${rpcLine}: capability carries the AMT UUID amtinfo reports`, async (t) => {
    const uuid = '8f4e2d1c-0b3a-4c5d-9e6f-7a8b9c0d1e2f'
    const { manager } = await startAgentHarness(t, { device: { rpcLine, uuid } })
    t.like(await manager.waitFor('capability'), { capable: true, amtUuid: uuid })
  })
}

test('an unreadable uuid: no amtUuid, uuid reported missing', async (t) => {
  const { manager } = await startAgentHarness(t, { device: { faults: { amtinfoOmits: ['uuid'] } } })
  const capability = await manager.waitFor('capability')
  t.false('amtUuid' in capability)
  t.deepEqual(capability.missingFields, ['uuid'])
})
