import type { TokenStore } from '../../manager/api/tokens/token-store.ts'

/**
 * Wraps token stores so that list() answers only once `count` of them have looked: each finds the store as it was
 * before any of them added, as replicas starting at the same moment may.
 */
export function listingTogether(count = 2): (tokens: TokenStore) => TokenStore {
  let looked = 0
  let allLooked: () => void = () => undefined
  const together = new Promise<void>((resolve) => (allLooked = resolve))
  return (tokens) => ({
    get: (id) => tokens.get(id),
    add: (token) => tokens.add(token),
    remove: (id) => tokens.remove(id),
    list: async () => {
      const found = await tokens.list()
      if (++looked === count) allLooked()
      await together
      return found
    },
  })
}
