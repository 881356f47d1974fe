import { stringify } from 'yaml';
import type { Context } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { IAM_QUOTAS, policiesFor, policySize } from '../iam/split.ts';
import { templateFor } from '../iam/template.ts';
import { trustFor } from '../iam/trust.ts';
import type { IamDocument, IamFormat } from '../iam/documents.ts';
import type { CommandResult } from '../output/render.ts';
import { chooseTarget } from './common.ts';

export interface IamOptions {
  document: IamDocument;
  format?: IamFormat;
  target?: string;
}

/**
 * The permissions as customer-managed policies by name (each within IAM's quota); their sizes and count
 * against the quotas go to the reporter (stderr), so that stdout stays one machine-readable document.
 */
function policyDocuments(ctx: Context, target: string): Record<string, unknown> {
  const policies = policiesFor(ctx.config, target);
  for (const p of policies) {
    ctx.reporter.info(`${p.name}: ${policySize(p.document)} of ${IAM_QUOTAS.managedPolicyChars} characters (whitespace not counted)`);
  }
  ctx.reporter.info(
    `${policies.length} customer-managed ${policies.length === 1 ? 'policy' : 'policies'} of at most ${IAM_QUOTAS.managedPoliciesPerRole} per role: attach each to the role (docs/iam.md, Deploying)`,
  );
  return Object.fromEntries(policies.map((p) => [p.name, p.document]));
}

/**
 * snapclone iam (policy|trust|template) [--target T] [--format json|yaml|cloudformation]: the IAM kit of a
 * target, computed from the declared permissions and the config — nothing is sent to AWS. `policy` prints
 * the customer-managed policies as one object, by policy name.
 */
export async function run(options: IamOptions, ctx: Context): Promise<CommandResult> {
  const target = chooseTarget(ctx, options.target).name;
  const format = options.format ?? (options.document === 'template' ? 'cloudformation' : 'json');
  if (options.document === 'template' ? format === 'yaml' : format === 'cloudformation') {
    throw new UsageError(
      `--format ${format} does not apply to iam ${options.document}`,
      options.document === 'template' ? 'Use --format cloudformation (YAML) or json.' : 'Use --format json or yaml.',
    );
  }
  const document =
    options.document === 'policy'
      ? policyDocuments(ctx, target)
      : options.document === 'trust'
        ? trustFor(ctx.config, target)
        : templateFor(ctx.config, target);
  // YAML 1.1 (CloudFormation's) quotes what it would read otherwise, e.g. Version '2012-10-17' as a date.
  const text = format === 'json' ? JSON.stringify(document, null, 2) : stringify(document, { lineWidth: 0, version: '1.1' }).trimEnd();
  return { json: document, lines: [text] };
}
