/**
 * The fleet benchmark's progress lines (every 30 s while the fleet connects and while a wave runs) and its CPU
 * line: which side gives way first at a size the machine cannot hold — the manager, the brokers or the simulators.
 */
import { metricSum, type ManagerProcess } from './fleet-manager.ts'
import { describeBrokerCloses, describeSimHealth } from './fleet-sim-health.ts'
import type { FleetUnderTest } from './fleet-under-test.ts'
import type { Topology } from './fleet-topology.ts'
import { processCpuMs } from './machine.ts'

/** Agents reported, in Inventory, the simulators' health and what the brokers refused or closed, in one line. */
export async function connectProgress(
  manager: ManagerProcess,
  sim: FleetUnderTest,
  topology: Topology,
): Promise<string> {
  const [reported, managerSamples, brokerSamples, health] = await Promise.all([
    sim.reported(),
    manager.metrics(),
    topology.brokerMetrics?.(),
    sim.health(),
  ])
  const inInventory = metricSum(managerSamples, 'amt_manager_hosts', { phase: 'UNPROVISIONED' })
  return (
    `${reported} agents reported, ${inInventory} hosts with a first state in Inventory; ` +
    `${describeSimHealth(health)}; ${describeBrokerCloses(brokerSamples ?? managerSamples)}`
  )
}

/** Agents that got their desired, hosts activating and PROVISIONED in Inventory, the simulators and brokers. */
export async function waveProgress(manager: ManagerProcess, sim: FleetUnderTest, topology: Topology): Promise<string> {
  const [deliveries, managerSamples, brokerSamples, health] = await Promise.all([
    sim.deliveries(),
    manager.metrics(),
    topology.brokerMetrics?.(),
    sim.health(),
  ])
  const hostsIn = (labels: Record<string, string>): number => metricSum(managerSamples, 'amt_manager_hosts', labels)
  return (
    `${deliveries.hosts} agents got their desired, ${hostsIn({ phase: 'ACTIVATING' })} hosts ACTIVATING and ` +
    `${hostsIn({ current_state: 'PROVISIONED' })} PROVISIONED in Inventory; ` +
    `${describeSimHealth(health)}; ${describeBrokerCloses(brokerSamples ?? managerSamples)}`
  )
}

/** utime + stime of every process of the benchmark since it started, s: where the connect's CPU went. */
export async function cpuOfEach(manager: ManagerProcess, sim: FleetUnderTest, topology: Topology): Promise<string> {
  const processes = [
    { name: 'manager', pid: manager.pid },
    ...topology.processes(),
    ...(sim.processes?.() ?? [{ name: 'simulator (this process)', pid: process.pid }]),
  ]
  const cpu = await Promise.all(processes.map(async ({ name, pid }) => ({ name, ms: await processCpuMs(pid) })))
  return cpu.map(({ name, ms }) => `${name} ${ms === undefined ? '-' : (ms / 1000).toFixed(0)}`).join(', ')
}
