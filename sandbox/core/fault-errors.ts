import { AwsError } from './errors.ts';

/** The fault kinds that answer an error (each service spells them its own way). */
export type ErrorFaultKind = 'throttle' | 'error500' | 'error503';

type Spelling = [code: string, status: number, message: string];

const RATE_EXCEEDED = 'Rate exceeded';
const INTERNAL = 'The request processing has failed because of an unknown error, exception or failure.';
const UNAVAILABLE = 'The request has failed due to a temporary failure of the server.';

/** A service's spellings: its throttling code (400 unless said), its 500's code; every one answers ServiceUnavailable 503. */
function spelled(
  throttle: string,
  error500: string,
  { throttleStatus = 400, message500 = INTERNAL } = {},
): Record<ErrorFaultKind, Spelling> {
  return {
    throttle: [throttle, throttleStatus, RATE_EXCEEDED],
    error500: [error500, 500, message500],
    error503: ['ServiceUnavailable', 503, UNAVAILABLE],
  };
}

/** awsQuery services answer AWS's common errors: Throttling (400), InternalFailure (500), ServiceUnavailable (503). */
const QUERY = spelled('Throttling', 'InternalFailure');

/**
 * How each service (by signing name) answers throttling and server failures, as its SDK model and API reference
 * spell them. Every throttling code is one the SDK's retry strategy classifies as throttling
 * (THROTTLING_ERROR_CODES in @smithy/core's retry module, or status 429), and botocore's too.
 */
export const FAULT_ERRORS: Record<string, Record<ErrorFaultKind, Spelling>> = {
  sts: QUERY,
  rds: QUERY,
  elasticache: QUERY,
  // IAM's model names its own 500: ServiceFailureException, on the wire `ServiceFailure`.
  iam: spelled('Throttling', 'ServiceFailure'),
  // AWS Backup documents ThrottlingException (400) and models ServiceUnavailableException as its 500.
  backup: spelled('ThrottlingException', 'ServiceUnavailableException', { message500: UNAVAILABLE }),
  secretsmanager: spelled('ThrottlingException', 'InternalServiceError'),
  tagging: spelled('ThrottledException', 'InternalServiceException'),
  // OpenSearch Service's model: ThrottlingException is a 429, InternalException a 500.
  es: spelled('ThrottlingException', 'InternalException', { throttleStatus: 429 }),
  // EC2's API reference: RequestLimitExceeded (throttling) and InternalError (500).
  ec2: spelled('RequestLimitExceeded', 'InternalError'),
  // S3 slows callers down with SlowDown 503 and fails with InternalError 500 (S3 API Reference, error codes).
  s3: spelled('SlowDown', 'InternalError', { throttleStatus: 503 }),
  // Systems Manager's model names ThrottlingException and InternalServerError (its 500).
  ssm: spelled('ThrottlingException', 'InternalServerError'),
};

/** The signing names fault rules may name (besides '*'). */
export const FAULT_SERVICES = Object.keys(FAULT_ERRORS);

/** The error a service's API answers for an injected throttle or server failure. */
export function serviceFaultError(service: string, kind: ErrorFaultKind): AwsError {
  const [code, status, message] = (FAULT_ERRORS[service] ?? QUERY)[kind];
  return new AwsError(code, message, status);
}
