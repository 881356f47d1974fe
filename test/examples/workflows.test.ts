import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { validateAction, validateWorkflow, type ValidationError } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// The ready-made CI files in examples/: GitHub workflows and action.yml against GitHub's published schemas
// (@action-validator/core: SchemaStore's JSON schemas, compiled to WebAssembly), and what a schema cannot
// say — the Action's contract, OIDC permissions, the environment the role trusts, script hygiene — from the
// parsed YAML.

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

type Dict = Record<string, unknown>;
const isDict = (value: unknown): value is Dict => typeof value === 'object' && value !== null && !Array.isArray(value);
const dict = (value: unknown): Dict => (isDict(value) ? value : {});

/**
 * What docs/github.md ("Installing the Action in your organization") tells people to create and use: the
 * repository of their copy and its major tag, in the one line `uses: <owner>/<repo>@<tag>` it shows in bold.
 */
const githubDoc = read('docs/github.md');
const documented = /\*\*`uses: ([\w.-]+\/[\w.-]+)@(v\d+)`\*\*/.exec(githubDoc);
const [, DOC_REPO = '', DOC_TAG = ''] = documented ?? [];
/** The Action's own reference, as the examples use it: the documented repository at a tag or a commit. */
const ACTION_USES = /^[\w.-]+\/snapclone@[\w.-]+$/;

const actionText = read('action.yml');
const action = dict(parse(actionText));
const actionInputs = dict(action.inputs);
const actionOutputs = dict(action.outputs);

const workflowFiles = readdirSync(new URL('examples/github/', root))
  .filter((file) => /\.ya?ml$/.test(file))
  .sort();
const workflows = workflowFiles.map((file) => {
  const text = read(`examples/github/${file}`);
  return { file, text, doc: dict(parse(text)) };
});

/**
 * The schema bundled with @action-validator/core 0.6.0 knows `runs.using` node12, node16 and node20 only; GitHub
 * runs node24 actions (actions/checkout v5 is one). Drop exactly that complaint — the `/runs` one-of whose
 * JavaScript-action branch fails on nothing but the enum of `/runs/using` — and only for `using: node24`.
 * Everything else the validator says about action.yml stays an error.
 */
function actionErrors(text: string): ValidationError[] {
  const using = dict(dict(parse(text)).runs).using;
  return validateAction(text).errors.filter((error) => !(using === 'node24' && isNode24Gap(error)));
}

function isNode24Gap(error: ValidationError): boolean {
  if (error.code !== 'one_of' || !('path' in error) || error.path !== '/runs') return false;
  return (error.states ?? []).some(
    (state) =>
      state.errors.length === 1 &&
      state.errors[0].code === 'enum' &&
      'path' in state.errors[0] &&
      state.errors[0].path === '/runs/using',
  );
}

/** Readable errors for a failed expectation. */
const describeErrors = (errors: ValidationError[]) =>
  errors.map((e) => `${'path' in e ? e.path : ''} ${e.code}: ${e.detail ?? e.title}`);

interface Step {
  job: string;
  step: Dict;
}

function steps(doc: Dict): Step[] {
  return Object.entries(dict(doc.jobs)).flatMap(([job, body]) => {
    const list = dict(body).steps;
    return (Array.isArray(list) ? list : []).map((step) => ({ job, step: dict(step) }));
  });
}

const bashSyntax = (script: string) => execFileSync('bash', ['-n'], { input: script, stdio: ['pipe', 'pipe', 'pipe'] });

describe('@action-validator/core', () => {
  it('finds the examples', () => {
    expect(workflowFiles).toEqual(expect.arrayContaining(['clone.yml', 'delete.yml', 'extend.yml', 'janitor.yml', 'list.yml', 'points.yml']));
  });

  it('action.yml is a valid action (node24 aside, see actionErrors)', () => {
    expect(describeErrors(actionErrors(actionText))).toEqual([]);
  });

  it.each(workflowFiles)('examples/github/%s is a valid workflow', (file) => {
    const { text } = workflows.find((w) => w.file === file)!;
    const state = validateWorkflow(text);
    expect(state.actionType).toBe('workflow');
    expect(describeErrors(state.errors)).toEqual([]);
  });

  it('reports a workflow without `on:`', () => {
    const text = read('examples/github/delete.yml').replace(/^on:\n(?: .*\n|\n)*?(?=^\S)/m, '');
    expect(parse(text).on).toBeUndefined();
    expect(validateWorkflow(text).errors).toContainEqual(expect.objectContaining({ code: 'required', path: '/on' }));
  });

  it('reports a job without runs-on', () => {
    const text = read('examples/github/delete.yml').replace(/^ {4}runs-on: .*\n/m, '');
    expect(dict(dict(parse(text).jobs).delete)['runs-on']).toBeUndefined();
    const errors = validateWorkflow(text).errors;
    expect(errors).toContainEqual(expect.objectContaining({ path: '/jobs/delete' }));
  });

  it('reports a misspelt key, a bad permission and unparsable YAML', () => {
    const text = read('examples/github/extend.yml');
    expect(validateWorkflow(text.replace('environment: snapclone', 'enviroment: snapclone')).errors).not.toEqual([]);
    expect(validateWorkflow(text.replace('id-token: write', 'id-token: writ')).errors).not.toEqual([]);
    expect(validateWorkflow(`${text}\n  [unclosed\n`).errors).toContainEqual(
      expect.objectContaining({ code: 'parse_error' }),
    );
  });

  it('the node24 allowance hides nothing else in action.yml', () => {
    // Still needed: when the validator learns node24, this fails — then remove actionErrors' filter.
    expect(validateAction(actionText).errors).not.toEqual([]);
    expect(actionErrors(actionText.replace(/^ {2}using: node24$/m, '  using: node99'))).not.toEqual([]);
    expect(actionErrors(actionText.replace(/^ {2}main: .*$/m, ''))).not.toEqual([]);
    expect(actionErrors(actionText.replace(/^ {2}command:\n/m, '  command:\n    requird: true\n'))).not.toEqual([]);
  });
});

describe('the examples name what docs/github.md has people create', () => {
  const releasing = read('docs/releasing.md');
  const { version } = JSON.parse(read('package.json')) as { version: string };

  it('docs/github.md shows one uses: line, for the repository it has people create, at the major tag releases move', () => {
    expect(documented, 'docs/github.md: **`uses: <owner>/snapclone@vN`**').not.toBeNull();
    const [owner] = DOC_REPO.split('/');
    expect(DOC_REPO).toMatch(/\/snapclone$/);
    // Created by a fork into the owner, or by the mirror commands; shared from a private copy.
    expect(githubDoc).toContain(`**Fork → Owner: ${owner}**`);
    expect(githubDoc).toContain(`gh repo create ${DOC_REPO} --private`);
    expect(githubDoc).toContain(`push --mirror https://github.com/${DOC_REPO}.git`);
    expect(githubDoc).toContain(`gh api -X PUT repos/${DOC_REPO}/actions/permissions/access -f access_level=organization`);
    expect(githubDoc).toContain(`Accessible from repositories in the '${owner}' organization`);
    // The major tag is the package's major version, and docs/releasing.md moves exactly that tag.
    expect(DOC_TAG).toBe(`v${version.split('.')[0]}`);
    expect(releasing).toMatch(new RegExp(`^ *git tag -fa ${DOC_TAG} .* v\\d+\\.\\d+\\.\\d+\\^\\{commit\\}$`, 'm'));
    expect(releasing).toMatch(new RegExp(`^ *git push -f origin ${DOC_TAG}$`, 'm'));
  });

  it.each(workflowFiles)('%s: uses the documented repository at its major tag (or a full commit SHA)', (file) => {
    const { doc } = workflows.find((w) => w.file === file)!;
    const uses = steps(doc)
      .map(({ step }) => String(step.uses ?? ''))
      .filter((ref) => /\/snapclone@/.test(ref));
    expect(uses.length).toBeGreaterThan(0);
    for (const ref of uses) expect(ref).toMatch(new RegExp(`^${DOC_REPO.replace('.', '\\.')}@(${DOC_TAG}|[0-9a-f]{40})$`));
  });

  it('every environment of the examples is in the documented trust, set up by the documented gh commands', () => {
    const environments = [
      ...new Set(workflows.flatMap(({ doc }) => Object.values(dict(doc.jobs)).map((job) => String(dict(job).environment ?? '')))),
    ].filter(Boolean);
    expect(environments.sort()).toEqual(['snapclone', 'snapclone-manage']);
    const trusted = /^ {4}environments: \[([^\]]*)\]$/m.exec(githubDoc)?.[1].split(',').map((e) => e.trim());
    expect(trusted?.sort()).toEqual(environments);
    for (const environment of environments) {
      expect(githubDoc).toContain(`gh api -X PUT "repos/$REPO/environments/${environment}"`);
      expect(githubDoc).toContain(`gh api -X POST "repos/$REPO/environments/${environment}/deployment-branch-policies" -f name=main -f type=branch`);
      expect(githubDoc).toContain(`gh variable set SNAPCLONE_ROLE_ARN --env ${environment} --body "$ROLE" --repo "$REPO"`);
    }
    // Only the clone environment is given reviewers; the other never waits.
    expect(githubDoc).toMatch(/environments\/snapclone" --input - <<JSON\n\{"prevent_self_review": true, "reviewers"/);
    expect(githubDoc).not.toMatch(/environments\/snapclone-manage" --input - <<JSON\n[^\n]*reviewers/);
  });
});

describe('the GitHub workflows and the Action', () => {
  const expectedCommand: Record<string, string> = {
    'clone.yml': 'create',
    'delete.yml': 'delete',
    'extend.yml': 'extend',
    'janitor.yml': 'janitor',
    'list.yml': 'list',
    'points.yml': 'points',
  };

  /** clone.yml in the environment that may require an approval; the rest in the one that never does. */
  const expectedEnvironment = (file: string) => (file === 'clone.yml' ? 'snapclone' : 'snapclone-manage');

  it.each(workflowFiles)('%s: every job using the Action has id-token: write and its environment', (file) => {
    const { doc } = workflows.find((w) => w.file === file)!;
    const jobs = [
      ...new Set(
        steps(doc)
          .filter(({ step }) => ACTION_USES.test(String(step.uses ?? '')))
          .map(({ job }) => job),
      ),
    ];
    expect(jobs.length).toBeGreaterThan(0);
    for (const name of jobs) {
      const job = dict(dict(doc.jobs)[name]);
      const permissions = dict(job.permissions ?? doc.permissions);
      expect(permissions['id-token'], `${file} job ${name}`).toBe('write');
      const environment = isDict(job.environment) ? job.environment.name : job.environment;
      expect(environment, `${file} job ${name}`).toBe(expectedEnvironment(file));
    }
  });

  it.each(workflowFiles)('%s: passes only inputs action.yml declares, and every required one', (file) => {
    const { doc } = workflows.find((w) => w.file === file)!;
    const uses = steps(doc).filter(({ step }) => ACTION_USES.test(String(step.uses ?? '')));
    const required = Object.entries(actionInputs)
      .filter(([, input]) => dict(input).required === true)
      .map(([name]) => name);
    for (const { step } of uses) {
      const withKeys = Object.keys(dict(step.with));
      expect(withKeys.filter((key) => !(key in actionInputs))).toEqual([]);
      expect(required.filter((key) => !withKeys.includes(key))).toEqual([]);
      expect(dict(step.with)['role-to-assume']).toBe('${{ vars.SNAPCLONE_ROLE_ARN }}');
    }
    expect(uses.map(({ step }) => dict(step.with).command)).toEqual([expectedCommand[file]]);
  });

  it.each(workflowFiles)('%s: expressions name declared inputs and outputs the Action has', (file) => {
    const { doc, text } = workflows.find((w) => w.file === file)!;
    const declared = Object.keys(dict(dict(dict(doc.on).workflow_dispatch).inputs));
    const expressions = [...text.matchAll(/\$\{\{(.*?)\}\}/g)].map((m) => m[1]);
    const used = expressions.flatMap((e) => [...e.matchAll(/\binputs\.([A-Za-z_][\w-]*)/g)].map((m) => m[1]));
    expect(used.filter((name) => !declared.includes(name))).toEqual([]);
    const actionStepIds = steps(doc)
      .filter(({ step }) => ACTION_USES.test(String(step.uses ?? '')) && typeof step.id === 'string')
      .map(({ step }) => step.id as string);
    const outputs = expressions.flatMap((e) => [...e.matchAll(/\bsteps\.([\w-]+)\.outputs\.([\w-]+)/g)]);
    for (const [, id, output] of outputs) {
      expect(actionStepIds, `steps.${id}`).toContain(id);
      expect(Object.keys(actionOutputs)).toContain(output);
    }
  });

  it.each(workflowFiles)(
    '%s: run scripts are valid bash and interpolate no expressions (inputs go through env)',
    (file) => {
      const { doc } = workflows.find((w) => w.file === file)!;
      for (const { step } of steps(doc).filter(({ step }) => typeof step.run === 'string')) {
        expect(step.run).not.toContain('${{');
        bashSyntax(step.run as string);
      }
    },
  );

  it('clone.yml: sources and ttl are choices, latest when no date', () => {
    const { doc } = workflows.find((w) => w.file === 'clone.yml')!;
    const inputs = dict(dict(dict(doc.on).workflow_dispatch).inputs);
    expect(dict(inputs.sources)).toMatchObject({
      type: 'choice',
      options: expect.arrayContaining(['orders-db', 'billing-db', 'checkout']),
    });
    expect(dict(inputs.date)).toMatchObject({ type: 'string', required: false });
    expect(dict(inputs.ttl)).toMatchObject({ type: 'choice', options: ['4h', '8h', '1d', '3d'] });
    const step = steps(doc).find(({ step }) => ACTION_USES.test(String(step.uses ?? '')))!.step;
    expect(dict(step.with)).toMatchObject({
      command: 'create',
      sources: '${{ inputs.sources }}',
      date: '${{ inputs.date }}',
      latest: "${{ inputs.date == '' && 'true' || 'false' }}",
      ttl: '${{ inputs.ttl }}',
    });
  });

  it('delete.yml, extend.yml and janitor.yml take the inputs they document', () => {
    const inputsOf = (file: string) =>
      dict(dict(dict(workflows.find((w) => w.file === file)!.doc.on).workflow_dispatch).inputs);
    expect(dict(inputsOf('delete.yml').name)).toMatchObject({ type: 'string', required: true });
    expect(dict(inputsOf('delete.yml').force)).toMatchObject({ type: 'boolean', default: false });
    expect(dict(inputsOf('extend.yml').name)).toMatchObject({ type: 'string', required: true });
    expect(dict(inputsOf('extend.yml').ttl)).toMatchObject({ type: 'choice' });
    expect(dict(inputsOf('janitor.yml')['dry-run'])).toMatchObject({ type: 'boolean', default: false });
    // For people without AWS access: which days exist, and which clones are theirs (audit M11).
    expect(dict(inputsOf('points.yml').source)).toMatchObject({ type: 'choice', required: true });
    expect(dict(inputsOf('list.yml').mine)).toMatchObject({ type: 'boolean', default: true });
    const withOf = (file: string) => dict(steps(workflows.find((w) => w.file === file)!.doc).find(({ step }) => ACTION_USES.test(String(step.uses ?? '')))!.step.with);
    expect(withOf('points.yml')).toMatchObject({ command: 'points', sources: '${{ inputs.source }}' });
    expect(withOf('list.yml')).toMatchObject({ command: 'list', mine: "${{ inputs.mine && 'true' || 'false' }}" });
    // The name inputs point at what the requester can run (list.yml), never at a CLI command.
    for (const file of ['delete.yml', 'extend.yml']) expect(String(dict(inputsOf(file).name).description)).toContain('list.yml');
    const janitorOn = dict(workflows.find((w) => w.file === 'janitor.yml')!.doc.on);
    expect(janitorOn.schedule).toEqual([{ cron: expect.stringMatching(/^\d{1,2} \* \* \* \*$/) }]);
  });
});

describe("the requester's surface (audit M12)", () => {
  it.each(workflowFiles)('%s: every input is described in English and Japanese, briefly, and names no command they cannot run', (file) => {
    const inputs = dict(dict(dict(workflows.find((w) => w.file === file)!.doc.on).workflow_dispatch).inputs);
    expect(Object.keys(inputs).length).toBeGreaterThan(0);
    for (const [name, input] of Object.entries(inputs)) {
      const description = String(dict(input).description ?? '');
      const [english, japanese] = description.split(' / ');
      expect(english, `${file} ${name}`).toMatch(/^[\x20-\x7e]+$/);
      expect(japanese, `${file} ${name}`).toMatch(/[ぁ-んァ-ヶ一-龯]/);
      expect(description.length, `${file} ${name}`).toBeLessThanOrEqual(120);
      expect(description, `${file} ${name}`).not.toMatch(/snapclone (list|points|show|credentials)/);
    }
  });

  it('docs/github.md lists every workflow, pins each in the trust, and says how gh users read the summary', () => {
    for (const file of workflowFiles) {
      expect(githubDoc).toContain(`\`${file}\``);
      expect(githubDoc).toContain(`      - .github/workflows/${file}@refs/heads/main`);
    }
    expect(githubDoc).toMatch(/^gh run watch /m);
    expect(githubDoc).toMatch(/^gh run view --web /m);
  });
});

describe('the CircleCI config', () => {
  const text = read('examples/circleci/config.yml');
  const config = dict(parse(text));
  const jobs = dict(config.jobs);
  const commands = dict(config.commands);
  const executors = dict(config.executors);
  const parameters = dict(config.parameters);

  /** Every step of every job and reusable command. */
  const allSteps = [...Object.values(jobs), ...Object.values(commands)].flatMap((body) => {
    const list = dict(body).steps;
    return Array.isArray(list) ? list : [];
  });
  const runScripts = allSteps.flatMap((step) => {
    if (!isDict(step) || step.run === undefined) return [];
    return [typeof step.run === 'string' ? step.run : String(dict(step.run).command ?? '')];
  });

  it('is version 2.1 with jobs in a cimg/node 24 image', () => {
    expect(config.version).toBe(2.1);
    expect(Object.keys(jobs).length).toBeGreaterThan(0);
    const images = Object.values(executors).flatMap((e) =>
      (Array.isArray(dict(e).docker) ? (dict(e).docker as unknown[]) : []).map((d) => dict(d).image),
    );
    expect(images).toEqual([expect.stringMatching(/^cimg\/node:24(\.|$)/)]);
    for (const [name, job] of Object.entries(jobs)) expect(dict(job).executor, name).toBe('node');
  });

  it('gets AWS credentials from CircleCI OIDC through the SDK web-identity chain', () => {
    const oidc = runScripts.find((script) => script.includes('CIRCLE_OIDC_TOKEN_V2'));
    expect(oidc).toBeDefined();
    expect(oidc).toContain('AWS_WEB_IDENTITY_TOKEN_FILE');
    expect(oidc).toContain('AWS_ROLE_ARN');
    expect(oidc).toMatch(/AWS_ROLE_SESSION_NAME/);
    expect(oidc).toContain('\'snapclone-%s\' "$owner"');
    expect(oidc).toContain('owner="${CIRCLE_USERNAME');
    expect(oidc).toContain('SNAPCLONE_OWNER');
    // Jobs that run snapclone get credentials first, and run with a context (CircleCI issues OIDC tokens then).
    const workflowJobs = Object.values(dict(config.workflows)).flatMap((w) =>
      Array.isArray(dict(w).jobs) ? (dict(w).jobs as unknown[]) : [],
    );
    for (const [name, body] of Object.entries(jobs)) {
      const names = (dict(body).steps as unknown[]).map((s) => (typeof s === 'string' ? s : Object.keys(dict(s))[0]));
      const runsSnapclone = (dict(body).steps as unknown[]).some(
        (s) => isDict(s) && /\bsnapclone (create|delete|extend|list|janitor)\b/.test(String(dict(s.run).command ?? '')),
      );
      if (!runsSnapclone) continue;
      expect(names.indexOf('aws-oidc'), name).toBeGreaterThanOrEqual(0);
      expect(names.indexOf('aws-oidc'), name).toBeLessThan(names.length - 1);
      const uses = workflowJobs.filter((j) => isDict(j) && name in j).map((j) => dict(dict(j)[name]));
      expect(uses.length, name).toBeGreaterThan(0);
      for (const use of uses) expect(use.context, name).toBe('snapclone');
    }
  });

  it('maps pipeline parameters to the SNAPCLONE_* variables examples/README.md lists', () => {
    const environment = dict(dict(executors.node).environment);
    const readme = read('examples/README.md');
    const listed = [...readme.matchAll(/^\| `(SNAPCLONE_[A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(listed).toEqual([
      'SNAPCLONE_DATE',
      'SNAPCLONE_AT',
      'SNAPCLONE_LATEST',
      'SNAPCLONE_TTL',
      'SNAPCLONE_TARGET',
      'SNAPCLONE_NAME',
      'SNAPCLONE_SET',
      'SNAPCLONE_OUTPUT',
      'SNAPCLONE_CONFIG',
      'SNAPCLONE_OWNER',
    ]);
    for (const variable of listed.filter((v) => v !== 'SNAPCLONE_OWNER'))
      expect(environment[variable], variable).toBeDefined();
    expect(environment.SNAPCLONE_DATE).toBe('<< pipeline.parameters.date >>');
    const create = runScripts.find((script) => script.includes('snapclone create'))!;
    expect(create).toContain('--date "$SNAPCLONE_DATE"');
    expect(create).toContain('--ttl "$SNAPCLONE_TTL"');
  });

  it('names only declared parameters, jobs, commands and executors', () => {
    const referenced = [...text.matchAll(/<<\s*pipeline\.parameters\.([\w-]+)\s*>>/g)].map((m) => m[1]);
    expect(referenced.filter((name) => !(name in parameters))).toEqual([]);
    // CircleCI 2.1 reads every other `<<` (a heredoc, a here-string) as the start of a parameter too.
    expect(text.replace(/<<\s*pipeline\.parameters\.[\w-]+\s*>>/g, '')).not.toContain('<<');
    const builtins = [
      'checkout',
      'run',
      'attach_workspace',
      'persist_to_workspace',
      'save_cache',
      'restore_cache',
      'store_artifacts',
      'store_test_results',
      'setup_remote_docker',
      'add_ssh_keys',
      'when',
      'unless',
    ];
    for (const step of allSteps) {
      const name = typeof step === 'string' ? step : Object.keys(dict(step))[0];
      expect([...builtins, ...Object.keys(commands)], name).toContain(name);
    }
    for (const [name, workflow] of Object.entries(dict(config.workflows))) {
      for (const entry of dict(workflow).jobs as unknown[]) {
        const job = typeof entry === 'string' ? entry : Object.keys(dict(entry))[0];
        expect(Object.keys(jobs), `workflow ${name}`).toContain(job);
        const requires = isDict(entry) ? dict(entry[job]).requires : undefined;
        for (const required of Array.isArray(requires) ? requires : []) expect(Object.keys(jobs)).toContain(required);
      }
    }
  });

  it('its scripts are valid bash', () => {
    expect(runScripts.length).toBeGreaterThan(0);
    for (const script of runScripts) bashSyntax(script);
  });
});
