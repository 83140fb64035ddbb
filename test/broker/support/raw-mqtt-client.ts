import { connect, type Socket } from 'node:net'
import type { ExecutionContext } from 'ava'
import { field, handBuiltConnect, twoBytes } from './hand-built-connect.ts'
import { EVENT_TIMEOUT_MS, within } from './mqtt-clients.ts'
import { remainingLength } from './raw-connect.ts'

/** MQTT 3.1.1 control packet types (§2.2.1): the high nibble of a packet's first byte. */
export const PacketType = { connack: 2, puback: 4, pingresp: 13 } as const

/** PINGREQ (§3.12): a fixed header and nothing else. */
export const PINGREQ = Buffer.from([0xc0, 0x00])

export interface PublishFields {
  topic: string
  payload: string
  qos: 0 | 1
  retain: boolean
  /** Required for QoS 1. */
  messageId?: number
}

/** A PUBLISH (§3.3). */
export function publishPacket({ topic, payload, qos, retain, messageId }: PublishFields): Buffer {
  const body = Buffer.concat([
    field(topic),
    ...(qos > 0 ? [twoBytes(messageId ?? 1)] : []),
    Buffer.from(payload, 'utf8'),
  ])
  return Buffer.concat([Buffer.from([0x30 | (qos << 1) | (retain ? 1 : 0)]), remainingLength(body.length), body])
}

export interface RawLogin {
  clientId: string
  username: string
  password: string
  keepAliveSeconds: number
}

/**
 * An MQTT client on a bare socket that sends exactly the bytes a test writes, when it writes them, and nothing
 * by itself: no PINGREQ of its own (mqtt.js pings on its own schedule and gives up on a broker that does not
 * answer within its keep alive), one socket write per `send`. It records the type of every packet the broker sends.
 */
export class RawMqttClient {
  readonly #socket: Socket
  readonly #received: number[] = []
  readonly #waiters = new Set<() => void>()
  #pending = Buffer.alloc(0)
  #closedAt: number | undefined

  private constructor(socket: Socket) {
    this.#socket = socket
    socket.on('error', () => undefined)
    socket.on('data', (chunk: Buffer) => this.#read(chunk))
    socket.once('close', () => {
      this.#closedAt = Date.now()
      this.#wake()
    })
  }

  /** Connects with a CONNECT built from `login` and resolves once CONNACK 0 arrived; destroyed in t.teardown. */
  static async login(t: ExecutionContext, port: number, login: RawLogin): Promise<RawMqttClient> {
    const client = new RawMqttClient(connect(port, '127.0.0.1'))
    t.teardown(() => client.#socket.destroy())
    client.send(handBuiltConnect(login))
    await client.until(() => client.count(PacketType.connack) === 1, 'CONNACK')
    if (client.closed) throw new Error('the broker refused the CONNECT')
    return client
  }

  get closed(): boolean {
    return this.#closedAt !== undefined
  }

  /** When the broker closed the connection (Date.now()); undefined while it is open. */
  get closedAt(): number | undefined {
    return this.#closedAt
  }

  /** The packets of one type received so far. */
  count(type: number): number {
    return this.#received.filter((received) => received === type).length
  }

  /** All `packets` in one socket write. */
  send(...packets: Buffer[]): void {
    this.#socket.write(Buffer.concat(packets))
  }

  /** Resolves when `condition` holds or the connection is closed, checked after each packet and at the close. */
  until(condition: () => boolean, what: string, ms = EVENT_TIMEOUT_MS): Promise<void> {
    let wake = (): void => undefined
    const reached = new Promise<void>((resolve) => {
      wake = () => {
        if (condition() || this.closed) resolve()
      }
      this.#waiters.add(wake)
      wake()
    })
    return within(reached, what, ms).finally(() => this.#waiters.delete(wake))
  }

  #wake(): void {
    for (const wake of this.#waiters) wake()
  }

  #read(chunk: Buffer): void {
    this.#pending = Buffer.concat([this.#pending, chunk])
    for (;;) {
      const length = this.#packetLength(this.#pending)
      if (length === undefined || this.#pending.length < length) break
      this.#received.push((this.#pending[0] ?? 0) >> 4)
      this.#pending = this.#pending.subarray(length)
    }
    this.#wake()
  }

  /** The whole packet's length from its fixed header (§2.2.3), or undefined while the header is incomplete. */
  #packetLength(bytes: Buffer): number | undefined {
    let value = 0
    for (let i = 1; i <= 4; i++) {
      const byte = bytes[i]
      if (byte === undefined) return undefined
      value += (byte & 0x7f) * 128 ** (i - 1)
      if ((byte & 0x80) === 0) return 1 + i + value
    }
    throw new Error('malformed remaining length from the broker')
  }
}
