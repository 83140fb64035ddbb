import { Counter, type Registry } from 'prom-client'
import { z } from 'zod'
import type { Logger } from '../../lib/log.ts'
import { parseDeviceUsername, type HostIdentity } from '../../schemas/principals.ts'
import { deviceAcls, deviceClient, MANAGER_ROLE, managerAcls } from './dynsec-acls.ts'
import type { DynsecCommand, DynsecResponse } from './dynsec-control.ts'

/**
 * Device accounts kept on an external broker, next to their hashes in Inventory: the plaintext password exists only
 * when the manager issues it (registration), so it is pushed then. Every operation is idempotent (create when
 * missing, modify when present; a missing account counts as removed); a failure is logged, counted
 * (`amt_manager_broker_account_failures_total{operation}`) and rejected, so the caller reports it (registration
 * answers 503 and is undone) or retries it (deletion stays pending and is retried with backoff).
 */
export interface BrokerAccounts {
  putDevice(key: HostIdentity, password: string): Promise<void>
  removeDevice(key: HostIdentity): Promise<void>
  /** The hosts that have an account on the broker (its clients named `<hostId>@<tenantId>`). */
  listDevices(): Promise<HostIdentity[]>
  close(): Promise<void>
}

export interface DynsecRequester {
  request(commands: readonly DynsecCommand[]): Promise<DynsecResponse[]>
  close(): Promise<void>
}

type Operation = 'put-device' | 'remove-device' | 'list-devices' | 'manager-role'

/** Errors that mean "already as wanted" for the command they answer (Mosquitto 2.0 texts). */
const TOLERATED: Readonly<Record<string, string>> = {
  createRole: 'Role already exists',
  createClient: 'Client already exists',
  deleteClient: 'Client not found',
  deleteRole: 'Role not found',
}

export function createDynsecAccounts(
  control: DynsecRequester,
  deps: { log: Logger; registry?: Registry },
): BrokerAccounts & {
  ensureManagerRole(managerUsername: string): Promise<void>
} {
  const log = deps.log.child({ module: 'broker-accounts' })
  const failures = new Counter({
    name: 'amt_manager_broker_account_failures_total',
    help: 'Failed device-account operations on the external broker (dynamic security), by operation',
    labelNames: ['operation'] as const,
    registers: deps.registry ? [deps.registry] : [],
  })

  const run = async (
    operation: Operation,
    fields: Record<string, string>,
    commands: DynsecCommand[],
  ): Promise<DynsecResponse[]> => {
    try {
      const responses = await control.request(commands)
      const refused = responses.filter(
        (response) => response.error !== undefined && TOLERATED[response.command] !== response.error,
      )
      if (refused.length > 0)
        throw new Error(refused.map((response) => `${response.command}: ${response.error ?? ''}`).join('; '))
      return responses
    } catch (err) {
      failures.inc({ operation })
      const reason = err instanceof Error ? err.message : String(err)
      log.error({ ...fields, operation, reason }, 'broker account operation failed')
      throw new Error(`broker account (dynamic security): ${reason}`, { cause: err })
    }
  }

  return {
    async putDevice(key, password) {
      const { username, clientid, rolename } = deviceClient(key)
      const acls = deviceAcls(key)
      const roles = [{ rolename }]
      await run('put-device', { ...key, username }, [
        { command: 'createRole', rolename, acls },
        { command: 'modifyRole', rolename, acls },
        { command: 'createClient', username, password, clientid, roles },
        { command: 'modifyClient', username, password, clientid, roles },
      ])
      log.info({ ...key, username }, 'device account put on the broker')
    },
    async removeDevice(key) {
      const { username, rolename } = deviceClient(key)
      await run('remove-device', { ...key, username }, [
        { command: 'deleteClient', username },
        { command: 'deleteRole', rolename },
      ])
      log.info({ ...key, username }, 'device account removed from the broker')
    },
    async listDevices() {
      const [listed] = await run('list-devices', {}, [{ command: 'listClients' }])
      const parsed = ListedClients.safeParse(listed?.data)
      if (!parsed.success) throw new Error('listClients: unreadable answer')
      return parsed.data.clients.flatMap((username) => {
        const key = parseDeviceUsername(username)
        return key === null ? [] : [key]
      })
    },
    async ensureManagerRole(managerUsername) {
      const acls = managerAcls()
      const fields = { username: managerUsername, rolename: MANAGER_ROLE }
      const [, , client] = await run('manager-role', fields, [
        { command: 'createRole', rolename: MANAGER_ROLE, acls },
        { command: 'modifyRole', rolename: MANAGER_ROLE, acls },
        { command: 'getClient', username: managerUsername },
      ])
      if (hasRole(client, MANAGER_ROLE)) return
      // Dynsec disconnects every connection of a client whose roles change, so this answer is often lost (and the
      // re-sent command answers "Internal error" once the role is there): the check below decides.
      await control
        .request([{ command: 'addClientRole', username: managerUsername, rolename: MANAGER_ROLE }])
        .catch(() => undefined)
      const [again] = await run('manager-role', fields, [{ command: 'getClient', username: managerUsername }])
      if (!hasRole(again, MANAGER_ROLE))
        throw new Error(`the broker client ${managerUsername} did not get the role ${MANAGER_ROLE}`)
      log.info(fields, 'role added to the manager principal on the broker')
    },
    close: () => control.close(),
  }
}

/** The parts of the plugin's answers read here (Mosquitto 2.0: getClient, listClients without `verbose`). */
const ClientRoles = z.object({ client: z.object({ roles: z.array(z.object({ rolename: z.string() })).default([]) }) })
const ListedClients = z.object({ clients: z.array(z.string()) })

function hasRole(response: DynsecResponse | undefined, rolename: string): boolean {
  const parsed = ClientRoles.safeParse(response?.data)
  return parsed.success && parsed.data.client.roles.some((role) => role.rolename === rolename)
}
