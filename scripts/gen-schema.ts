// Writes schema/snapclone.schema.json (for editor completion); a test fails when it is out of date.
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../src/config/json-schema.ts';

writeFileSync(new URL('../schema/snapclone.schema.json', import.meta.url), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
