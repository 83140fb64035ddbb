/**
 * Reads a V8 heap snapshot (`node --heapsnapshot-signal`, a .heapsnapshot file of hundreds of MB) into typed arrays
 * and computes what DevTools shows as retained sizes: the dominator tree over the graph without weak edges
 * (Cooper, Harvey and Kennedy's iterative algorithm on a reverse postorder). Used by heap-owners.ts.
 */
import { readFile } from 'node:fs/promises'

interface SnapshotMeta {
  snapshot: {
    node_count: number
    edge_count: number
    meta: { node_fields: string[]; edge_fields: string[]; node_types: [string[]]; edge_types: [string[]] }
  }
}

export interface HeapGraph {
  /** Reachable nodes, by postorder number (the root last). */
  readonly count: number
  /** The node of a postorder number. */
  readonly order: Uint32Array
  /** The immediate dominator's postorder number, by postorder number. */
  readonly idom: Uint32Array
  /** Retained size, by postorder number. */
  readonly retained: Float64Array
  readonly root: number
  typeOf(node: number): string
  nameOf(node: number): string
  selfOf(node: number): number
  /** The name of the first edge from `from` to `to` (a property name, `[index]`, or `?`). */
  edgeName(from: number, to: number): string
}

/** Parses `count` unsigned integers of a JSON array starting at `at`; the position after the last. */
function readNumbers(buf: Buffer, at: number, out: Float64Array | Uint32Array): number {
  let i = at
  for (let k = 0; k < out.length; k++) {
    let c = buf[i] ?? 0
    while (c < 48 || c > 57) c = buf[++i] ?? 48
    let value = 0
    while (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48)
      c = buf[++i] ?? 0
    }
    out[k] = value
  }
  return i
}

export async function readHeapSnapshot(file: string): Promise<HeapGraph> {
  const buf = await readFile(file)
  const nodesAt = buf.indexOf('"nodes":[')
  const head = JSON.parse(`${buf.subarray(0, nodesAt).toString().replace(/,\s*$/, '')}}`) as SnapshotMeta
  const { meta, node_count: N, edge_count: E } = head.snapshot
  const NF = meta.node_fields.length
  const EF = meta.edge_fields.length
  const nodes = new Float64Array(N * NF)
  let at = readNumbers(buf, nodesAt + 9, nodes)
  const edges = new Uint32Array(E * EF)
  at = readNumbers(buf, buf.indexOf('"edges":[', at) + 9, edges)
  const stringsAt = buf.indexOf('"strings":[', at)
  const strings = JSON.parse(buf.subarray(stringsAt + 10, buf.lastIndexOf(']') + 1).toString()) as string[]

  const field = (name: string): number => meta.node_fields.indexOf(name)
  const [TYPE, NAME, SELF, EDGES] = [field('type'), field('name'), field('self_size'), field('edge_count')]
  const [ETYPE, ENAME, ETO] = ['type', 'name_or_index', 'to_node'].map((name) => meta.edge_fields.indexOf(name))
  const [nodeTypes] = meta.node_types
  const [edgeTypes] = meta.edge_types
  const skipped = new Set(['weak', 'shortcut'].map((type) => edgeTypes.indexOf(type)))
  const firstEdge = new Uint32Array(N + 1)
  for (let n = 0; n < N; n++) firstEdge[n + 1] = firstEdge[n]! + nodes[n * NF + EDGES]!
  const target = (e: number): number => edges[e * EF + ETO!]! / NF
  const usable = (e: number): boolean => !skipped.has(edges[e * EF + ETYPE!]!)

  // Postorder of the nodes reachable from the root (node 0), iteratively.
  const post = new Int32Array(N).fill(-1)
  const order = new Uint32Array(N)
  let count = 0
  const stack = new Uint32Array(N)
  const next = new Uint32Array(firstEdge.subarray(0, N))
  const seen = new Uint8Array(N)
  let depth = 0
  stack[depth++] = 0
  seen[0] = 1
  while (depth > 0) {
    const n = stack[depth - 1]!
    if (next[n]! < firstEdge[n + 1]!) {
      const e = next[n]!
      next[n] = e + 1
      const to = target(e)
      if (usable(e) && seen[to] === 0) {
        seen[to] = 1
        stack[depth++] = to
      }
    } else {
      depth--
      post[n] = count
      order[count++] = n
    }
  }

  // Predecessors of every reachable node (compressed rows).
  const predStart = new Uint32Array(N + 1)
  const reachableEdges = (visit: (from: number, to: number) => void): void => {
    for (let n = 0; n < N; n++) {
      if (post[n]! < 0) continue
      for (let e = firstEdge[n]!; e < firstEdge[n + 1]!; e++) if (usable(e)) visit(n, target(e))
    }
  }
  reachableEdges((_from, to) => {
    predStart[to + 1] = predStart[to + 1]! + 1
  })
  for (let n = 0; n < N; n++) predStart[n + 1] = predStart[n + 1]! + predStart[n]!
  const preds = new Uint32Array(predStart[N]!)
  const fill = predStart.slice(0, N)
  reachableEdges((from, to) => {
    const slot = fill[to]!
    preds[slot] = from
    fill[to] = slot + 1
  })

  const UNDEFINED = 0xffffffff
  const idom = new Uint32Array(count).fill(UNDEFINED)
  const root = count - 1
  idom[root] = root
  for (let changed = true; changed;) {
    changed = false
    for (let p = root - 1; p >= 0; p--) {
      const n = order[p]!
      let dominator = UNDEFINED
      for (let k = predStart[n]!; k < predStart[n + 1]!; k++) {
        const q = post[preds[k]!]!
        if (q < 0 || idom[q] === UNDEFINED) continue
        if (dominator === UNDEFINED) dominator = q
        else {
          let a = q
          let b = dominator
          while (a !== b) {
            while (a < b) a = idom[a]!
            while (b < a) b = idom[b]!
          }
          dominator = a
        }
      }
      if (idom[p] !== dominator) {
        idom[p] = dominator
        changed = true
      }
    }
  }
  const retained = new Float64Array(count)
  for (let p = 0; p < count; p++) retained[p] = nodes[order[p]! * NF + SELF]!
  for (let p = 0; p < root; p++) {
    const dominator = idom[p]!
    retained[dominator] = retained[dominator]! + retained[p]!
  }

  return {
    count,
    order,
    idom,
    retained,
    root,
    typeOf: (node) => nodeTypes[nodes[node * NF + TYPE]!] ?? '?',
    nameOf: (node) => strings[nodes[node * NF + NAME]!] ?? '?',
    selfOf: (node) => nodes[node * NF + SELF]!,
    edgeName: (from, to) => {
      for (let e = firstEdge[from]!; e < firstEdge[from + 1]!; e++) {
        if (target(e) !== to) continue
        const type = edgeTypes[edges[e * EF + ETYPE!]!]
        const name = edges[e * EF + ENAME!]!
        return type === 'element' || type === 'hidden' ? `[${name}]` : (strings[name] ?? '?')
      }
      return '?'
    },
  }
}
