import type { Logger } from '../lib/log.ts'
import { createRpcCliAmt, type RpcCliAmt } from './amt/rpc-cli.ts'
import type { AgentConfig } from './config.ts'
import type { ServiceControl } from './services/port.ts'
import { createSystemdServiceControl } from './services/systemd.ts'

/** The real adapters behind the agent's ports, configured from the agent config. */
export function createRealAdapters(config: AgentConfig, log: Logger): { amt: RpcCliAmt; services: ServiceControl } {
  const amt = createRpcCliAmt({ ...config.rpc, log })
  const services = createSystemdServiceControl({ modprobe: config.lms.modprobe, systemctl: config.lms.systemctl, log })
  return { amt, services }
}
