import type { Client } from 'aedes'

/** What mqtt-packet's parser reads from its settings once the CONNECT is parsed. */
interface ParserSettings {
  protocolVersion?: number
  bridgeMode?: boolean
  password?: Buffer
}

/** The part of aedes' client (not in its types) that holds the parser. */
interface ClientParser {
  _parser?: { settings?: ParserSettings }
}

/**
 * Lets go of the CONNECT packet once the connection is ready (aedes 'clientReady', after the CONNACK).
 * mqtt-packet's parser keeps the CONNECT it parsed as its `settings` for the connection's lifetime, and reads
 * only `protocolVersion` and `bridgeMode` from it afterwards; the packet holds the client id, username and
 * password, and its password and will payload are slices of the chunk it was read in. Kept, 10 000 devices held
 * 10 000 CONNECT packets, their read chunks and every device's password bytes for as long as they stayed
 * connected. The password bytes are zeroed (authentication is over; the will payload may still share the chunk)
 * and the settings keep what the parser reads.
 */
export function releaseConnectPacket(client: Client): void {
  const parser = (client as unknown as ClientParser)._parser
  const connect = parser?.settings
  if (parser === undefined || connect === undefined) return
  connect.password?.fill(0)
  parser.settings = {
    ...(connect.protocolVersion === undefined ? {} : { protocolVersion: connect.protocolVersion }),
    ...(connect.bridgeMode === true ? { bridgeMode: true } : {}),
  }
}
