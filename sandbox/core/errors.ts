/** An error the sandbox answers with, in the calling protocol's error format. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly type: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
  }
}

export const notImplemented = (service: string, operation: string) =>
  new AwsError(
    'NotImplemented',
    `The snapclone sandbox does not implement ${service} ${operation}`,
    501,
  );
