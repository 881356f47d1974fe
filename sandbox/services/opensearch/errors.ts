import { AwsError } from '../../core/errors.ts';

/**
 * OpenSearch Service errors with the model's codes and HTTP statuses (@aws-sdk/client-opensearch schemas):
 * ResourceNotFoundException 409, ResourceAlreadyExistsException 409, ValidationException 400, BaseException
 * (no status in the model: 400), InternalException 500, DisabledOperationException 409,
 * LimitExceededException 409, AccessDeniedException 403 (answered by core/authorize.ts).
 */
export const osErrors = {
  domainNotFound: (name: string) => new AwsError('ResourceNotFoundException', `Domain not found: ${name}`, 409),
  notFound: (message: string) => new AwsError('ResourceNotFoundException', message, 409),
  alreadyExists: (name: string) => new AwsError('ResourceAlreadyExistsException', `Domain ${name} already exists`, 409),
  validation: (message: string) => new AwsError('ValidationException', message, 400),
  base: (message: string) => new AwsError('BaseException', message, 400),
  internal: (message: string) => new AwsError('InternalException', message, 500),
  disabled: (message: string) => new AwsError('DisabledOperationException', message, 409),
  limitExceeded: (message: string) => new AwsError('LimitExceededException', message, 409),
  /** The model's constraint failures, worded as AWS words them. */
  constraint: (value: string, member: string, constraint: string) =>
    new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${constraint}`,
      400,
    ),
};
