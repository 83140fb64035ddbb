import { connect } from 'node:net'
import type { ExecutionContext } from 'ava'
import { within } from './mqtt-clients.ts'

/** Generous: the machine running the suite may be heavily loaded. */
const ANSWER_TIMEOUT_MS = 20_000

export interface ConnectFields {
  protocolName?: string
  protocolLevel?: number
  /** The connect flags byte as sent; default: from the fields present (+ clean session). */
  flags?: number
  clientId: string
  will?: { topic: string; payload: string }
  username?: string
  password?: Buffer | string
  /** The keep alive in seconds (§3.1.2.10); default 60. */
  keepAliveSeconds?: number
}

/** An MQTT string or binary field: two-byte length, then the bytes (§1.5.3). */
export function field(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value
  return Buffer.concat([twoBytes(bytes.length), bytes])
}

/** A two-byte big-endian integer (§1.5.2). */
export function twoBytes(value: number): Buffer {
  const bytes = Buffer.alloc(2)
  bytes.writeUInt16BE(value)
  return bytes
}

/** The flags a well-formed CONNECT with these fields has (§3.1.2.3); will QoS 0, no retain. */
export function flagsOf(fields: Omit<ConnectFields, 'flags'>): number {
  return (
    0x02 |
    (fields.will ? 0x04 : 0) |
    (fields.password !== undefined ? 0x40 : 0) |
    (fields.username !== undefined ? 0x80 : 0)
  )
}

/** A CONNECT (§3.1) built byte by byte, so flags and fields can disagree on purpose. Remaining length < 128. */
export function handBuiltConnect(fields: ConnectFields): Buffer {
  const header = [
    field(fields.protocolName ?? 'MQTT'),
    Buffer.from([fields.protocolLevel ?? 4, fields.flags ?? flagsOf(fields)]),
    twoBytes(fields.keepAliveSeconds ?? 60),
  ]
  const payload = [
    field(fields.clientId),
    ...(fields.will ? [field(fields.will.topic), field(fields.will.payload)] : []),
    ...(fields.username !== undefined ? [field(fields.username)] : []),
    ...(fields.password !== undefined ? [field(fields.password)] : []),
  ]
  const body = Buffer.concat([...header, ...payload])
  if (body.length > 127) throw new RangeError('keep hand-built CONNECTs under 128 bytes')
  return Buffer.concat([Buffer.from([0x10, body.length]), body])
}

/**
 * Writes `packet` on a fresh loopback socket: the CONNACK return code (§3.2.2.3), or `closed` when the broker
 * closed the socket without one. The socket is destroyed in t.teardown at the latest.
 */
export function connectAnswer(t: ExecutionContext, port: number, packet: Buffer): Promise<number | 'closed'> {
  const socket = connect(port, '127.0.0.1')
  t.teardown(() => socket.destroy())
  socket.on('error', () => undefined)
  const answer = new Promise<number | 'closed'>((resolve) => {
    let received = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      if (received.length >= 4) resolve(received[0] === 0x20 ? (received[3] ?? -1) : -1)
    })
    socket.once('close', () => resolve('closed'))
  })
  socket.write(packet)
  return within(answer, `the broker's answer to a hand-built CONNECT`, ANSWER_TIMEOUT_MS).finally(() =>
    socket.destroy(),
  )
}
