// Config problems are reported as "<file>: <field path>: <what is wrong>", one per line, and
// nothing runs. Every suite kind uses these helpers so the messages look the same.
import { z } from 'zod';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/** ['tests', 2] → "tests[2]", ['sizes', 'ipc', 0] → "sizes.ipc[0]". */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  return out || '(top level)';
}

export function problem(source: string, path: ReadonlyArray<PropertyKey>, message: string): string {
  return `${source}: ${formatPath(path)}: ${message}`;
}

/** Parses `input` with `schema` or throws a ConfigError naming every bad field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, source: string): z.output<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => {
      // An unknown key is a problem of that key, not of the object around it.
      const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys.join(', ')] : issue.path;
      return problem(source, path, issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message);
    }),
  );
}

/** A string enum whose error shows the bad value and the allowed ones. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: (iss) => `${JSON.stringify(iss.input)} is not one of ${values.join(', ')}` });
}
