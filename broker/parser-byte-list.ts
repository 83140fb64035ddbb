import type { Client } from 'aedes'
import bl from 'bl'

/** `bl`'s plain byte list (its default export is the stream). */
const { BufferList } = bl
type ByteList = InstanceType<typeof BufferList>

/** The part of mqtt-packet's parser (not in its types) that holds the bytes read but not yet parsed. */
export interface ByteListHolder {
  _list: ByteList
}

/** The part of aedes' client (not in its types) that holds the parser. */
interface ClientParser {
  _parser?: ByteListHolder
}

/**
 * Gives a connection's parser a plain byte list. mqtt-packet 9's parser keeps the bytes it has not parsed yet in a
 * `bl` BufferListStream: a whole Duplex stream (its readable and writable states, their buffers and bound
 * callbacks, ~0.9 kB per connection) of which it uses only the byte list (append, consume, length, readUInt8/16/32,
 * slice, toString). `bl`'s plain BufferList is that byte list: BufferListStream copies its methods from it, so the
 * parser runs the same code on the same bytes. The bytes already held, if any, move to the new list in order.
 * After a parse error mqtt-packet makes itself a new BufferListStream; aedes closes that connection anyway.
 */
export function lightenByteList(parser: ByteListHolder): void {
  const held = parser._list
  if (held.constructor === BufferList) return
  const list = new BufferList()
  list.append(held)
  parser._list = list
}

/** `lightenByteList` on the parser of a connection aedes has just taken (aedes.handle). */
export function lightenClientParser(client: Client): void {
  const parser = (client as unknown as ClientParser)._parser
  if (parser !== undefined) lightenByteList(parser)
}
