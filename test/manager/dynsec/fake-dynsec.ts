import type { DynsecCommand, DynsecResponse } from '../../../manager/dynsec/dynsec-control.ts'

interface Client {
  password: unknown
  clientid: unknown
  roles: Array<{ rolename: string }>
}

/**
 * The part of Mosquitto 2.0's dynamic-security plugin the manager uses, in memory, with its error texts (measured
 * against mosquitto 2.0.11). `refuse` makes a command fail as the broker would ("Permission denied").
 */
export class FakeDynsec {
  readonly clients = new Map<string, Client>()
  readonly roles = new Map<string, unknown>()
  readonly sent: DynsecCommand[][] = []
  refuse: string | null = null
  /** Commands applied but whose answer is lost (the broker kicked the connection): the request rejects. */
  loseAnswerOf: string | null = null

  request(commands: readonly DynsecCommand[]): Promise<DynsecResponse[]> {
    this.sent.push([...commands])
    const responses = commands.map((command) => ({ command: command.command, ...this.#apply(command) }))
    if (commands.some((command) => command.command === this.loseAnswerOf)) return Promise.reject(new Error('no answer'))
    return Promise.resolve(responses)
  }

  close(): Promise<void> {
    return Promise.resolve()
  }

  #apply(command: DynsecCommand): { error?: string; data?: unknown } {
    if (command.command === this.refuse) return { error: 'Permission denied' }
    const username = String(command.username)
    const rolename = String(command.rolename)
    const client = this.clients.get(username)
    switch (command.command) {
      case 'createRole':
        if (this.roles.has(rolename)) return { error: 'Role already exists' }
        this.roles.set(rolename, command.acls)
        return {}
      case 'modifyRole':
        if (!this.roles.has(rolename)) return { error: 'Role not found' }
        this.roles.set(rolename, command.acls)
        return {}
      case 'deleteRole':
        return this.roles.delete(rolename) ? {} : { error: 'Role not found' }
      case 'createClient':
        if (client) return { error: 'Client already exists' }
        this.clients.set(username, {
          password: command.password,
          clientid: command.clientid,
          roles: command.roles as Client['roles'],
        })
        return {}
      case 'modifyClient':
        if (!client) return { error: 'Client not found' }
        this.clients.set(username, {
          password: command.password,
          clientid: command.clientid,
          roles: command.roles as Client['roles'],
        })
        return {}
      case 'deleteClient':
        return this.clients.delete(username) ? {} : { error: 'Client not found' }
      case 'getClient':
        return client ? { data: { client: { username, roles: client.roles } } } : { error: 'Client not found' }
      case 'listClients':
        return { data: { totalCount: this.clients.size, clients: [...this.clients.keys()] } }
      case 'addClientRole':
        if (!client) return { error: 'Client not found' }
        if (client.roles.some((role) => role.rolename === rolename)) return { error: 'Internal error' }
        client.roles.push({ rolename })
        return {}
      default:
        return { error: 'Unknown command' }
    }
  }
}
