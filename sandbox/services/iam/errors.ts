import { AwsError } from '../../core/errors.ts';

/** IAM errors with the awsQuery codes and HTTP statuses of the model (`NoSuchEntityException` → `NoSuchEntity`). */
export const iamErrors = {
  noSuchEntity: (message: string) => new AwsError('NoSuchEntity', message, 404),
  invalidInput: (message: string) => new AwsError('InvalidInput', message, 400),
  /** A policy that parsed but could not be evaluated (e.g. an operator the sandbox's evaluator lacks). */
  policyEvaluation: (message: string) => new AwsError('PolicyEvaluation', message, 500),
  validation: (message: string) => new AwsError('ValidationError', message, 400),
  limitExceeded: (message: string) => new AwsError('LimitExceeded', message, 409),
  malformedPolicy: (message: string) => new AwsError('MalformedPolicyDocument', message, 400),
  alreadyExists: (message: string) => new AwsError('EntityAlreadyExists', message, 409),
  deleteConflict: (message: string) => new AwsError('DeleteConflict', message, 409),
  /** A parameter the sandbox does not model (resource policies, permission boundaries…): 501 like other gaps. */
  unsupported: (operation: string, parameter: string) =>
    new AwsError('NotImplemented', `The snapclone sandbox does not implement iam ${operation} with ${parameter}`, 501),
};
