import { z } from 'zod'
import { TenantId } from '../../schemas/ids.ts'
import { factsOfPem, type ProvisioningCertificateFacts } from '../dmt/provisioning-certificate-facts.ts'
import type { ResolveContext } from './resolve.ts'

/**
 * `acm` (docs/operations.md, docs/policy.md): each tenant's ACM provisioning certificate chain as public PEM
 * certificates (leaf and root, no private key), which ACM eligibility compares with what the hosts report. Read once
 * at start; a file that cannot be read or holds no certificate is a configuration problem.
 */
export const AcmSection = z
  .strictObject({
    provisioningCertificates: z
      .array(
        z.strictObject({
          tenantId: TenantId,
          chainFile: z.string().min(1).max(4096).describe('PEM: the leaf and its chain up to the root'),
          domainSuffix: z
            .string()
            .min(1)
            .max(255)
            .optional()
            .describe("the DNS suffix it is for (the RPS domain's); default: the leaf's CN without its first label"),
        }),
      )
      .max(1000)
      .default([]),
  })
  .prefault({})
type AcmSection = z.infer<typeof AcmSection>

/** The tenants' provisioning certificate facts, by tenant. */
export interface AcmSettings {
  certificates: Readonly<Record<string, readonly ProvisioningCertificateFacts[]>>
}

export function resolveAcm(section: AcmSection, ctx: ResolveContext): AcmSettings {
  const certificates: Record<string, ProvisioningCertificateFacts[]> = {}
  section.provisioningCertificates.forEach(({ tenantId, chainFile, domainSuffix }, index) => {
    const key = `acm.provisioningCertificates.${index}.chainFile`
    let facts: ProvisioningCertificateFacts | null = null
    try {
      facts = factsOfPem(ctx.readFile(ctx.resolve(chainFile)), domainSuffix)
    } catch (err) {
      const reason = err instanceof Error && 'code' in err ? String(err.code) : 'not a PEM certificate chain'
      ctx.problems.push(`${key}: cannot be read (${reason})`)
      return
    }
    if (facts === null) ctx.problems.push(`${key}: holds no PEM certificate`)
    else (certificates[tenantId] ??= []).push(facts)
  })
  return { certificates }
}
