// m3net says what happened in one JSON line, the last on its stdout: {"ok":true,...} with its
// figures, or {"ok":false,"error":...,"errnoName"?} with the reason. The stream's programs and
// `m3net napi`/`probe` are read the same way.
import type { z } from 'zod';
import { M3netAnswerSchema, M3netFailureSchema, parseJsonWith, parseWith } from '../../core/schemas.ts';

/** The answer in `line`, checked against `schema`; a failure, a non-zero exit or no line at all is an error saying why. */
export function m3netAnswer<T>(line: string | undefined, run: { exitCode: number | null; stderr: string }, who: string, schema: z.ZodType<T>): T {
  if (!line) throw new Error(`${who} printed nothing (exit ${run.exitCode})${run.stderr.trim() ? `: ${run.stderr.trim()}` : ''}`);
  const parsed = parseJsonWith(M3netAnswerSchema, line, `${who} result line`);
  if (parsed.ok !== true || run.exitCode !== 0) {
    const failure = parsed.ok === false ? parseWith(M3netFailureSchema, parsed, `${who} result line`) : undefined;
    const errno = typeof failure?.errnoName === 'string' ? ` [${failure.errnoName}]` : '';
    throw new Error(`${who}: ${failure?.error || `exit ${run.exitCode}`}${errno}`);
  }
  return parseWith(schema, parsed, `${who} result line`);
}
