import type { Principal } from '../../api/tokens/api-token.ts'
import type { ConsoleAssets } from '../assets/load-assets.ts'
import { consolePaths } from '../paths.ts'
import { Layout } from './layout.tsx'

export interface MessagePageProps {
  assets: ConsoleAssets
  principal?: Principal
  title: string
  message: string
}

/** A page that only says something: an error (not found, forbidden, failed) with a way back. */
export function MessagePage({ assets, principal, title, message }: MessagePageProps) {
  return (
    <Layout title={title} assets={assets} {...(principal === undefined ? {} : { principal })}>
      <h1>{title}</h1>
      <p class="error-box" role="alert">
        {message}
      </p>
      <p>
        <a href={consolePaths.home}>Back to the console</a>
      </p>
    </Layout>
  )
}
