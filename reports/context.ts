// Everything the exporters need, computed once: the runs, their results, the figures and tables.
import type { Case, Result } from '../core/types.ts';
import type { Figure } from './charts/style.ts';
import { figure1 } from './charts/figure1.ts';
import { figure2 } from './charts/figure2.ts';
import { scalingChart } from './charts/scaling.ts';
import { copySweepChart } from './charts/copy-sweep.ts';
import { specToSvg } from './charts/render.ts';
import type { LoadedRun } from './load.ts';
import { profileTables, table1 } from './net-tables.ts';
import { resultsTable } from './results-table.ts';
import { configurationsTable } from './configurations-table.ts';
import type { Table } from './table.ts';

export interface RenderedFigure extends Figure {
  svg: string;
}

export interface ReportContext {
  runs: LoadedRun[];
  results: Result[];
  figures: RenderedFigure[];
  /** Why a figure is not there (its data is missing from the runs). */
  missingFigures: string[];
  tables: Table[];
  /** Notes about the whole report (e.g. cases measured in several runs). */
  notes: string[];
}

/** One result per case id: when runs repeat a case, the run listed last wins (compare shows both). */
function latestPerCase(runs: LoadedRun[]): { results: Result[]; repeated: number } {
  const byId = new Map<string, Result>();
  let repeated = 0;
  for (const r of runs.flatMap((run) => run.results)) {
    if (byId.has(r.case.id)) repeated++;
    byId.delete(r.case.id); // re-insert so the order follows the run that won
    byId.set(r.case.id, r);
  }
  return { results: [...byId.values()], repeated };
}

/** Where results were measured: a target and a kernel configuration (absent: the target's own boot). */
interface Setting {
  label: string;
  slug: string;
  results: Result[];
}

/** "vm / 7.2-isolated", or just the target when the case ran in its own boot. */
export const settingLabel = (c: Case): string => (c.config ? `${c.target} / ${c.config}` : c.target);

/** The results per target and configuration, in the order they appear. */
export function settingsOf(results: Result[]): Setting[] {
  const groups = new Map<string, Setting>();
  for (const r of results) {
    const label = settingLabel(r.case);
    const g = groups.get(label) ?? { label, slug: label.replace(/[^A-Za-z0-9._-]+/g, '-'), results: [] };
    groups.set(label, g);
    g.results.push(r);
  }
  return [...groups.values()];
}

/** A figure or table of one setting among several: its name and title say which. */
function figureFor(f: Figure, s: Setting): Figure {
  const title = `${f.title} — ${s.label}`;
  const specTitle = typeof f.spec.title === 'object' && f.spec.title !== null ? { ...f.spec.title, text: title } : title;
  return { ...f, name: `${f.name}-${s.slug}`, title, spec: { ...f.spec, title: specTitle } as Figure['spec'] };
}

function figuresOf(results: Result[]): Array<[Figure | undefined, string]> {
  // Each figure with what it needs, so that a missing one can be explained rather than silently absent.
  return [
    [figure1(results, false), 'Figure 1: no ok IPC1-3 case with one pair'],
    [figure1(results, true), ''],
    [figure2(results, false), 'Figure 2: no ok COPY1/COPY2 case with one pair'],
    [figure2(results, true), ''],
    [scalingChart(results), 'Scaling chart: no IPC case measured at two or more pair counts (run with --pairs 2 and 4, or a suite with several pairs)'],
    [copySweepChart(results), 'COPY size sweep: no COPY case measured at two or more block sizes (run --suite copy-sweep)'],
  ];
}

/**
 * Per target measured under several kernel configurations: one Table 1 of every profile under
 * every configuration, A of the first beside the rest (a B variant that is a boot, such as
 * config/kernels/rig-isolation.json's, has no A of its own configuration to be divided by).
 */
function table1sAcrossConfigurations(results: Result[]): Table[] {
  const targets = [...new Set(results.map((r) => r.case.target))];
  return targets.flatMap((target) => {
    const mine = results.filter((r) => r.case.target === target);
    if (new Set(mine.map((r) => r.case.config)).size < 2) return [];
    const t = table1(mine);
    return t ? [{ ...t, title: `${t.title} — ${target}, across kernel configurations` }] : [];
  });
}

export async function buildContext(runs: LoadedRun[]): Promise<ReportContext> {
  const { results, repeated } = latestPerCase(runs);
  const notes = repeated ? [`${repeated} case(s) were measured in more than one run: the run listed last is shown (m3bench compare shows both).`] : [];
  // Several hosts or kernel configurations: each gets its own figures and Table 1 (compare --by host|config puts them side by side).
  const settings = settingsOf(results);
  const several = settings.length > 1;
  const candidates = settings.flatMap((s) => figuresOf(s.results).map(([f, why]): [Figure | undefined, string] => [f && several ? figureFor(f, s) : f, why && several ? `${why} (${s.label})` : why]));
  const figures = candidates.map(([f]) => f).filter((f): f is Figure => f !== undefined);
  const missingFigures = candidates.filter(([f, why]) => !f && why).map(([, why]) => why);
  const rendered = await Promise.all(figures.map(async (f) => ({ ...f, svg: await specToSvg(f.spec) })));
  const table1s = settings.map((s) => {
    const t = table1(s.results);
    return t && several ? { ...t, title: `${t.title} — ${s.label}` } : t;
  });
  const tables = [configurationsTable(runs), ...table1s, ...table1sAcrossConfigurations(results), ...profileTables(results), resultsTable(results)].filter((t): t is Table => t !== undefined);
  return { runs, results, figures: rendered, missingFigures, tables, notes };
}
