import { connect, type Socket } from 'node:net'
import type { ExecutionContext } from 'ava'
import { connectPacket, field, remainingLength } from './raw-connect.ts'
import { within } from './mqtt-clients.ts'

/** One MQTT packet as read from the wire: the type (high nibble of the first byte), its flags, the body. */
export interface RawPacket {
  type: number
  flags: number
  body: Buffer
}

export const PACKET = { connack: 2, publish: 3, puback: 4, suback: 9 } as const

function packet(firstByte: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([firstByte]), remainingLength(body.length), body])
}

function messageIdBytes(messageId: number): Buffer {
  const bytes = Buffer.alloc(2)
  bytes.writeUInt16BE(messageId)
  return bytes
}

/** A QoS 1 PUBLISH (§3.3), not retained. */
export function publishPacket(topic: string, payload: string, messageId: number): Buffer {
  return packet(0x32, Buffer.concat([field(topic), messageIdBytes(messageId), Buffer.from(payload, 'utf8')]))
}

/** A SUBSCRIBE of one filter at QoS 1 (§3.8). */
export function subscribePacket(filter: string, messageId: number): Buffer {
  return packet(0x82, Buffer.concat([messageIdBytes(messageId), field(filter), Buffer.from([1])]))
}

/** The message id of a PUBACK or SUBACK. */
export function messageIdOf({ body }: RawPacket): number {
  return body.readUInt16BE(0)
}

/** A PUBLISH's payload (QoS > 0: after the topic and the message id). */
export function payloadOf({ body, flags }: RawPacket): string {
  const topicEnd = 2 + body.readUInt16BE(0)
  return body.subarray(flags & 0x06 ? topicEnd + 2 : topicEnd).toString('utf8')
}

/** Splits bytes as they arrive into whole packets (§2.2: fixed header, remaining length, body). */
class PacketReader {
  readonly packets: RawPacket[] = []
  #pending = Buffer.alloc(0)

  push(chunk: Buffer): void {
    this.#pending = Buffer.concat([this.#pending, chunk])
    for (;;) {
      let length = 0
      let offset = 1
      let byte = 0x80
      for (let shift = 0; byte & 0x80; shift += 7, offset++) {
        if (offset >= this.#pending.length) return
        byte = this.#pending[offset] ?? 0
        length += (byte & 0x7f) << shift
      }
      if (this.#pending.length < offset + length) return
      const first = this.#pending[0] ?? 0
      this.packets.push({
        type: first >> 4,
        flags: first & 0x0f,
        body: this.#pending.subarray(offset, offset + length),
      })
      this.#pending = this.#pending.subarray(offset + length)
    }
  }
}

/** A connected MQTT 3.1.1 session over a bare socket: packets are written as given, in one write each call. */
interface RawSession {
  socket: Socket
  /** Every packet received, in order (the CONNACK first). */
  packets: readonly RawPacket[]
  send(bytes: Buffer): void
  /** Resolves once `condition` holds on the packets received; rejects after the timeout with `what`. */
  until(condition: (packets: readonly RawPacket[]) => boolean, what: string): Promise<void>
}

/** CONNECTs (clean session) and resolves once the broker accepted it; the socket is destroyed in t.teardown. */
export async function openRawSession(
  t: ExecutionContext,
  port: number,
  credential: { clientId: string; username: string; password: string },
): Promise<RawSession> {
  const socket = connect(port, '127.0.0.1')
  socket.setNoDelay(true)
  t.teardown(() => socket.destroy())
  socket.on('error', () => undefined)
  const reader = new PacketReader()
  const waiters = new Set<() => void>()
  socket.on('data', (chunk: Buffer) => {
    reader.push(chunk)
    for (const wake of waiters) wake()
  })
  const until = (condition: (packets: readonly RawPacket[]) => boolean, what: string): Promise<void> => {
    let wake: () => void = () => undefined
    const reached = new Promise<void>((resolve, reject) => {
      wake = () => {
        if (condition(reader.packets)) resolve()
        else if (socket.destroyed) reject(new Error(`the broker closed the connection before ${what}`))
      }
      waiters.add(wake)
      socket.once('close', wake)
      wake()
    })
    return within(reached, what).finally(() => {
      waiters.delete(wake)
      socket.removeListener('close', wake)
    })
  }
  socket.write(connectPacket(credential.clientId, credential.username, credential.password))
  await until((packets) => packets.length > 0, 'the CONNACK')
  const [connack] = reader.packets
  if (connack?.type !== PACKET.connack || connack.body[1] !== 0)
    throw new Error(`CONNECT refused: ${JSON.stringify(connack)}`)
  return { socket, packets: reader.packets, send: (bytes) => socket.write(bytes), until }
}
