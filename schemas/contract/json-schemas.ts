import { z } from 'zod'
import { PAYLOADS } from '../messages/index.ts'
import type { Leaf } from '../topics.ts'
import { LEAF_DOCS, leafSlug } from './leaf-docs.ts'

export type JsonObject = { [key: string]: unknown }

/** Identifier prefix of the published schemas (an identifier, not a download location). */
const SCHEMA_ID_PREFIX = 'urn:amt-fleet:schema:v1:'

export const GENERATED_NOTE = 'Generated from schemas/ by `npm run contract:generate`. Do not edit by hand.'

/**
 * JSON Schema of a leaf's payload, as receivers validate it (zod's input side). Draft 2020-12 for the published
 * files; draft-07 for embedding in AsyncAPI 3.0, whose schema format is a superset of draft-07.
 */
export function payloadJsonSchema(leaf: Leaf, target: 'draft-2020-12' | 'draft-7'): JsonObject {
  const generated = z.toJSONSchema(PAYLOADS[leaf], { target, io: 'input', unrepresentable: 'throw' }) as JsonObject
  const { $schema, description, ...rest } = generated
  const head: JsonObject =
    target === 'draft-2020-12'
      ? { $schema, $id: `${SCHEMA_ID_PREFIX}${leafSlug(leaf)}`, $comment: GENERATED_NOTE, title: LEAF_DOCS[leaf].title }
      : { title: LEAF_DOCS[leaf].title }
  return description === undefined ? { ...head, ...rest } : { ...head, description, ...rest }
}
