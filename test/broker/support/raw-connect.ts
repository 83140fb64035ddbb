import { connect } from 'node:net'
import { within } from './mqtt-clients.ts'

/** An MQTT 3.1.1 string or binary field: two-byte length, then the bytes (§1.5.3). */
export function field(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8')
  const length = Buffer.alloc(2)
  length.writeUInt16BE(bytes.length)
  return Buffer.concat([length, bytes])
}

/** The variable-length "remaining length" (§2.2.3). */
export function remainingLength(length: number): Buffer {
  const bytes: number[] = []
  let left = length
  do {
    let byte = left % 128
    left = Math.floor(left / 128)
    if (left > 0) byte |= 0x80
    bytes.push(byte)
  } while (left > 0)
  return Buffer.from(bytes)
}

/** A CONNECT packet (§3.1): MQTT 3.1.1, clean session, username and password, keep-alive 60 s. */
export function connectPacket(clientId: string, username: string, password: string): Buffer {
  const CLEAN_SESSION_USERNAME_PASSWORD = 0x02 | 0x80 | 0x40
  const variableHeader = Buffer.concat([field('MQTT'), Buffer.from([4, CLEAN_SESSION_USERNAME_PASSWORD, 0, 60])])
  const body = Buffer.concat([variableHeader, field(clientId), field(username), field(password)])
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body])
}

/**
 * One CONNECT over a bare socket, much lighter than an mqtt.js client: resolves with the CONNACK return code
 * (§3.2.2.3), or `closed` when the broker closed the socket without a CONNACK. The socket is destroyed either way.
 * `timeoutMs` counts from the call: a test that holds the broker's answer on purpose passes a bound above its hold.
 */
export function rawConnect(port: number, packet: Buffer, timeoutMs?: number): Promise<number | 'closed'> {
  const socket = connect(port, '127.0.0.1')
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
  return within(answer, `the broker's answer to a raw CONNECT on port ${port}`, timeoutMs).finally(() =>
    socket.destroy(),
  )
}
