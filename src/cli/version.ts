// The version esbuild writes into the build (package.json's), or 0.0.0-dev when run from source.
declare const SNAPCLONE_VERSION: string | undefined;
export const version = typeof SNAPCLONE_VERSION === 'string' ? SNAPCLONE_VERSION : '0.0.0-dev';
