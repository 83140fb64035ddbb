import type { Duplex } from 'node:stream'

/**
 * Reads MQTT fixed headers (type byte + variable-length "remaining length", MQTT 3.1.1 §2.2.3) as bytes
 * pass, and reports the first packet whose total size exceeds the limit, or a malformed length, before the
 * packet body is ever buffered. Bodies are skipped, not copied.
 */
export type FrameViolation = 'packet-too-large' | 'malformed-length'

const MAX_LENGTH_BYTES = 4

class PacketSizeScanner {
  readonly #maxBytes: number
  #state: 'type' | 'length' | 'body' = 'type'
  #length = 0
  #lengthBytes = 0
  #bodyLeft = 0

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes
  }

  /** Scans a chunk; returns the violation found, or null. After a violation the scanner must be dropped. */
  scan(chunk: Uint8Array): FrameViolation | null {
    let offset = 0
    while (offset < chunk.length) {
      if (this.#state === 'body') {
        const skip = Math.min(this.#bodyLeft, chunk.length - offset)
        this.#bodyLeft -= skip
        offset += skip
        if (this.#bodyLeft === 0) this.#state = 'type'
      } else if (this.#state === 'type') {
        offset += 1
        this.#state = 'length'
        this.#length = 0
        this.#lengthBytes = 0
      } else {
        const byte = chunk[offset] ?? 0
        offset += 1
        this.#length += (byte & 0x7f) * 128 ** this.#lengthBytes
        this.#lengthBytes += 1
        if (byte & 0x80) {
          if (this.#lengthBytes === MAX_LENGTH_BYTES) return 'malformed-length'
          continue
        }
        if (1 + this.#lengthBytes + this.#length > this.#maxBytes) return 'packet-too-large'
        this.#bodyLeft = this.#length
        this.#state = this.#length === 0 ? 'type' : 'body'
      }
    }
    return null
  }
}

/**
 * Watches the bytes aedes reads from a connection. Attach after `aedes.handle(stream)`: aedes reads in paused
 * mode ('readable' + read()), and a 'data' listener then sees each chunk just before aedes parses it, without
 * switching the stream to flowing mode. On a violation `onViolation` runs synchronously, so it can destroy
 * the stream before the chunk reaches the parser's consumers (the authorize hooks refuse destroyed streams).
 */
export function guardPacketSize(
  stream: Duplex,
  maxBytes: number,
  onViolation: (violation: FrameViolation) => void,
): void {
  const scanner = new PacketSizeScanner(maxBytes)
  const onData = (chunk: Buffer): void => {
    const violation = scanner.scan(chunk)
    if (violation === null) return
    stream.removeListener('data', onData)
    onViolation(violation)
  }
  stream.on('data', onData)
}
