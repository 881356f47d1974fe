import * as z from 'zod';
import { ConfigSchema } from './schema.ts';

/** The JSON Schema of snapclone.yaml, generated from the same zod definition that validates it. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ConfigSchema, { io: 'input' }),
    $id: 'https://snapclone.dev/schema/snapclone.schema.json',
    title: 'snapclone configuration',
  };
}
