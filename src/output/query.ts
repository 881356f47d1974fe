import { compile, isRegistered, search, type JSONValue } from '@jmespath-community/jmespath';
import { SnapcloneError, UsageError } from '../core/errors.ts';

/** A --query expression, checked before the command runs (a mistake in it never costs a call to AWS). */
export interface Query {
  expression: string;
  apply(document: unknown): unknown;
}

// The aws CLI (Python jmespath) still reads a backquoted bare word as a string (`running`, deprecated but common in
// examples people copy): the same expressions work here.
const OPTIONS = { enable_legacy_literals: true };

const HINT = 'Write a JMESPath expression, as for the aws CLI (https://jmespath.org), e.g. --query \'clones[].name\'.';

/** The names of the functions an expression calls (its syntax tree, walked). */
function calledFunctions(node: unknown, names: string[] = []): string[] {
  if (Array.isArray(node)) for (const child of node) calledFunctions(child, names);
  else if (node && typeof node === 'object') {
    const n = node as { type?: unknown; name?: unknown };
    if (n.type === 'Function' && typeof n.name === 'string') names.push(n.name);
    for (const value of Object.values(node)) calledFunctions(value, names);
  }
  return names;
}

/** Parses `expression`; a syntax error or an unknown function is a usage error (exit 2) that names it. */
export function parseQuery(expression: string): Query {
  let tree: unknown;
  try {
    tree = compile(expression, OPTIONS);
  } catch (error) {
    throw new UsageError(`--query '${expression}' is not a valid JMESPath expression: ${(error as Error).message}`, HINT);
  }
  const unknown = calledFunctions(tree).find((name) => !isRegistered(name));
  if (unknown) throw new UsageError(`--query '${expression}' calls an unknown function: ${unknown}()`, HINT);
  return {
    expression,
    apply(document) {
      try {
        // The documents are plain JSON (what --output json prints): a round trip makes them JSONValue exactly.
        return search(JSON.parse(JSON.stringify(document)) as JSONValue, expression, OPTIONS);
      } catch (error) {
        // Only a type mismatch is left (e.g. length() of a number), found once the command has run.
        throw new SnapcloneError(
          `--query '${expression}' could not be applied to the result: ${(error as Error).message}`,
          undefined,
          'The command itself has finished; docs/json-output.md describes the document the query reads.',
        );
      }
    },
  };
}
