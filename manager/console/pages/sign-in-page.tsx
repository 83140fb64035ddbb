import type { ConsoleAssets } from '../assets/load-assets.ts'
import { consolePaths } from '../paths.ts'
import { Layout } from './layout.tsx'

/** The token form. The token goes in the POST body only: never in a URL, never kept by the browser. */
export function SignInPage({ assets, error }: { assets: ConsoleAssets; error?: string }) {
  return (
    <Layout title="Sign in" assets={assets}>
      <h1>Sign in</h1>
      {error === undefined ? null : (
        <p class="error-box" role="alert">
          {error}
        </p>
      )}
      <form method="post" action={consolePaths.signIn} autocomplete="off">
        <p>
          <label for="token">API token</label>
          <br />
          <input id="token" name="token" type="password" required size={60} autocomplete="off" />
        </p>
        <p>
          <button class="primary" type="submit">
            Sign in
          </button>
        </p>
      </form>
      <p>
        An operator creates tokens with <code>amt-manager tokens create</code> (docs/console.md).
      </p>
    </Layout>
  )
}
