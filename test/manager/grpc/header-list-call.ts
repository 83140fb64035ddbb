import http2 from 'node:http2'
import net from 'node:net'
import { Duplex } from 'node:stream'
import { within } from './bounded.ts'

/**
 * One unary gRPC call (plaintext) whose request headers are exactly the given list, repeated names included, as
 * a grpc-go agent can send them. Neither grpc-js nor node:http2 can: node refuses to send `authorization` twice.
 * So a node:http2 client session does the call, and its connection rewrites the one HEADERS frame it writes
 * into an HPACK block of literal fields (no indexing, no Huffman) built from `headers`. The answer is read by
 * the same session. One call per connection: the client's HPACK table is never used again.
 */
export interface HeaderListAnswer {
  grpcStatus: number | undefined
  grpcMessage: string | undefined
}

const PREFACE_BYTES = 24
const FRAME_HEADER_BYTES = 9
const HEADERS = 0x1
const END_STREAM = 0x1
const END_HEADERS = 0x4

export async function callWithHeaderList(
  port: number,
  path: string,
  headers: Array<[string, string]>,
  message: Buffer,
): Promise<HeaderListAnswer> {
  const authority = `127.0.0.1:${port}`
  const fields: Array<[string, string]> = [
    [':method', 'POST'],
    [':scheme', 'http'],
    [':path', path],
    [':authority', authority],
    ['content-type', 'application/grpc'],
    ['te', 'trailers'],
    ...headers,
  ]
  const connection = new HeadersRewritingConnection(net.connect(port, '127.0.0.1'), hpackLiterals(fields))
  const session = http2.connect(`http://${authority}`, { createConnection: () => connection })
  try {
    const failed = new Promise<never>((_resolve, reject) => session.on('error', reject))
    const placeholder = { ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' }
    const stream = session.request(placeholder)
    const length = Buffer.alloc(4)
    length.writeUInt32BE(message.length)
    stream.end(Buffer.concat([Buffer.from([0]), length, message]))
    return await within(Promise.race([failed, answerOf(stream)]), `the answer to ${path}`)
  } finally {
    session.destroy()
  }
}

function answerOf(stream: http2.ClientHttp2Stream): Promise<HeaderListAnswer> {
  return new Promise((resolve, reject) => {
    const answer: HeaderListAnswer = { grpcStatus: undefined, grpcMessage: undefined }
    const take = (received: http2.IncomingHttpHeaders) => {
      const status = received['grpc-status']
      const text = received['grpc-message']
      if (typeof status === 'string') answer.grpcStatus = Number(status)
      if (typeof text === 'string') answer.grpcMessage = decodeURIComponent(text)
    }
    stream.on('response', take)
    stream.on('trailers', take)
    stream.on('data', () => undefined)
    stream.on('error', reject)
    stream.on('close', () => resolve(answer))
  })
}

/** HPACK "literal header field without indexing, new name" for each field, strings not Huffman-coded. */
function hpackLiterals(fields: ReadonlyArray<[string, string]>): Buffer {
  const string = (text: string) => {
    const bytes = Buffer.from(text, 'latin1')
    return Buffer.concat([hpackInteger(bytes.length, 7, 0x00), bytes])
  }
  return Buffer.concat(fields.flatMap(([name, value]) => [Buffer.from([0x00]), string(name), string(value)]))
}

function hpackInteger(value: number, prefixBits: number, firstByte: number): Buffer {
  const limit = 2 ** prefixBits - 1
  if (value < limit) return Buffer.from([firstByte | value])
  const bytes = [firstByte | limit]
  let rest = value - limit
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80)
    rest = Math.floor(rest / 0x80)
  }
  bytes.push(rest)
  return Buffer.from(bytes)
}

/** A TCP connection that passes everything through, except the HEADERS frame, whose block it replaces. */
class HeadersRewritingConnection extends Duplex {
  readonly #socket: net.Socket
  readonly #block: Buffer
  #pending = Buffer.alloc(0)
  #prefaceLeft = PREFACE_BYTES

  constructor(socket: net.Socket, block: Buffer) {
    super()
    this.#socket = socket
    this.#block = block
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause()
    })
    socket.on('end', () => this.push(null))
    socket.on('error', (err) => this.destroy(err))
    socket.on('close', () => this.destroy())
  }

  override _read(): void {
    this.#socket.resume()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.#socket.write(this.#rewrite(chunk), done)
  }

  override _final(done: (err?: Error | null) => void): void {
    this.#socket.end(done)
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.#socket.destroy()
    done(err)
  }

  #rewrite(chunk: Buffer): Buffer {
    this.#pending = Buffer.concat([this.#pending, chunk])
    const out: Buffer[] = []
    if (this.#prefaceLeft > 0) {
      const preface = this.#pending.subarray(0, this.#prefaceLeft)
      out.push(preface)
      this.#prefaceLeft -= preface.length
      this.#pending = this.#pending.subarray(preface.length)
    }
    while (this.#prefaceLeft === 0 && this.#pending.length >= FRAME_HEADER_BYTES) {
      const end = FRAME_HEADER_BYTES + this.#pending.readUIntBE(0, 3)
      if (this.#pending.length < end) break
      const frame = this.#pending.subarray(0, end)
      this.#pending = this.#pending.subarray(end)
      out.push(frame[3] === HEADERS ? this.#headersFrame(frame) : frame)
    }
    return Buffer.concat(out)
  }

  #headersFrame(frame: Buffer): Buffer {
    const flags = frame[4] ?? 0
    if ((flags & END_HEADERS) === 0) throw new Error('HEADERS continued in CONTINUATION frames: not supported')
    const header = Buffer.alloc(FRAME_HEADER_BYTES)
    header.writeUIntBE(this.#block.length, 0, 3)
    header[3] = HEADERS
    header[4] = flags & (END_STREAM | END_HEADERS)
    header.writeUInt32BE(frame.readUInt32BE(5) & 0x7fffffff, 5)
    return Buffer.concat([header, this.#block])
  }
}
