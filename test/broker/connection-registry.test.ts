import test from 'ava'
import type { Client } from 'aedes'
import type { Principal } from '../../broker/auth/principal.ts'
import { ConnectionRegistry } from '../../broker/connection-registry.ts'
import { agentClientId } from '../../schemas/principals.ts'

const H1 = { tenantId: 't1', hostId: 'h1' }
const DEVICE: Principal = { id: 'device-1', role: 'device', ...H1 }

/** The two fields of an aedes client the registry reads for a device's connections. */
const connection = (suffix?: string): Client & { closed: boolean } =>
  ({ id: agentClientId(H1, suffix), closed: false }) as unknown as Client & { closed: boolean }

test("a device's live connections: one, several, closed ones dropped, a takeover of an id not counted", (t) => {
  const registry = new ConnectionRegistry()
  const agent = connection()
  t.is(registry.deviceConnections(DEVICE, agentClientId(H1)), 0, 'none before the first')
  registry.bind(agent, DEVICE)
  t.is(registry.deviceConnections(DEVICE, agentClientId(H1, 'status-1')), 1)
  t.is(registry.deviceConnections(DEVICE, agentClientId(H1)), 0, 'its own id takes it over: not counted')
  registry.bind(agent, DEVICE)
  t.is(registry.deviceConnections(DEVICE, agentClientId(H1, 'status-1')), 1, 'bound twice, still one')

  const status = connection('status-1')
  const other = connection('status-2')
  registry.bind(status, DEVICE)
  registry.bind(other, DEVICE)
  t.is(registry.deviceConnections(DEVICE, agentClientId(H1, 'status-3')), 3)
  t.is(registry.deviceConnections(DEVICE, agentClientId(H1, 'status-1')), 2)

  status.closed = true
  other.closed = true
  t.is(registry.deviceConnections(DEVICE, agentClientId(H1, 'status-3')), 1, 'closed ones are dropped')
  const again = connection('status-4')
  registry.bind(again, DEVICE)
  t.is(registry.deviceConnections(DEVICE, agentClientId(H1, 'status-3')), 2, 'back from one to two')
  agent.closed = true
  again.closed = true
  t.is(registry.deviceConnections(DEVICE, agentClientId(H1)), 0, 'all closed')
  registry.bind(connection(), DEVICE)
  t.is(registry.deviceConnections(DEVICE, agentClientId(H1, 'status-1')), 1, 'and a new first one')
})
