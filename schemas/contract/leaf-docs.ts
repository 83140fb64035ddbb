import type { Leaf } from '../topics.ts'

/** Human names and one-line purposes of each leaf, for the generated docs. The rules live in LEAF_RULES. */
export const LEAF_DOCS: Readonly<Record<Leaf, { title: string; summary: string }>> = {
  presence: { title: 'Presence', summary: 'Agent birth (online) and last will (offline).' },
  capability: { title: 'Capability', summary: 'What the node can do: classified `rpc amtinfo` output.' },
  state: { title: 'State', summary: "The agent's reconciliation phase and what it last observed." },
  events: { title: 'Event', summary: 'Progress and audit trail (rpc started/finished, retries, LMS).' },
  desired: { title: 'Desired', summary: 'The AMT state the manager wants for the host. Never carries a password.' },
  'secret/req': { title: 'SecretRequest', summary: 'The agent asks for the AMT password it needs for one operation.' },
  'secret/res': { title: 'SecretResponse', summary: "The manager's answer to a secret request." },
  status: { title: 'HostStatus', summary: "The manager's correlated view of the host, as stored in Inventory." },
}

/** `secret/req` → `secret-req`: the leaf as a file name and AsyncAPI id. */
export function leafSlug(leaf: Leaf): string {
  return leaf.replaceAll('/', '-')
}

/** Path of a leaf's generated JSON Schema, relative to the repository root. */
export function schemaFilePath(leaf: Leaf): string {
  return `docs/schemas/${leafSlug(leaf)}.schema.json`
}
