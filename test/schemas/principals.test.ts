import test from 'ava'
import { agentClientId, deviceUsername, parseDeviceUsername } from '../../schemas/principals.ts'

test('device usernames: <hostId>@<tenantId>, parsed back; anything else is not a device', (t) => {
  const key = { tenantId: 'acme', hostId: 'node-1' }
  t.is(deviceUsername(key), 'node-1@acme')
  t.deepEqual(parseDeviceUsername(deviceUsername(key)), key)
  for (const other of ['amt-manager', '@acme', 'node-1@', 'a@b@c', 'node 1@acme'])
    t.is(parseDeviceUsername(other), null, other)
  t.is(agentClientId(key), 'amt-agent:acme:node-1')
})
