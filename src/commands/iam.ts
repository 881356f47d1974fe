import { stringify } from 'yaml';
import type { Context } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { policyFor } from '../iam/policy.ts';
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
 * snapclone iam (policy|trust|template) [--target T] [--format json|yaml|cloudformation]: the IAM kit of a
 * target, computed from the declared permissions and the config — nothing is sent to AWS.
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
      ? policyFor(ctx.config, target)
      : options.document === 'trust'
        ? trustFor(ctx.config, target)
        : templateFor(ctx.config, target);
  // YAML 1.1 (CloudFormation's) quotes what it would read otherwise, e.g. Version '2012-10-17' as a date.
  const text = format === 'json' ? JSON.stringify(document, null, 2) : stringify(document, { lineWidth: 0, version: '1.1' }).trimEnd();
  return { json: document, lines: [text] };
}
