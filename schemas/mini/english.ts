import { config } from 'zod/mini'
import en from 'zod/v4/locales/en.js'

/**
 * Imported for its effect: zod/mini speaks English, as classic zod sets it for itself on first use, so the agent's
 * lean schemas (payloads.ts imports this; the agent's config and rpc output import payloads.ts) say what failed in
 * the same words as the contract's. Only this locale lands in the agent's bundle.
 */
config(en())
