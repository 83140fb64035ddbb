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
export function payloadJsonSchema(leaf: Leaf, target: SchemaTarget): JsonObject {
  return namedJsonSchema(PAYLOADS[leaf], { slug: leafSlug(leaf), title: LEAF_DOCS[leaf].title }, target)
}

type SchemaTarget = 'draft-2020-12' | 'draft-7'

/** JSON Schema of any payload of the contract, named by its slug (file name, $id) and title. */
export function namedJsonSchema(
  schema: z.ZodType,
  { slug, title }: { slug: string; title: string },
  target: SchemaTarget,
): JsonObject {
  const generated = z.toJSONSchema(schema, { target, io: 'input', unrepresentable: 'throw' }) as JsonObject
  const { $schema, description, ...rest } = generated
  const head: JsonObject =
    target === 'draft-2020-12'
      ? { $schema, $id: `${SCHEMA_ID_PREFIX}${slug}`, $comment: GENERATED_NOTE, title }
      : { title }
  return description === undefined ? { ...head, ...rest } : { ...head, description, ...rest }
}
