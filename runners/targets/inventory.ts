// Ansible inventories as lists of SSH hosts: `FILE` (every host) or `FILE:GROUP` (a group and,
// recursively, its children). YAML (`all: {hosts, children: {g: {hosts: {h: {ansible_host, ...}}}}}`)
// and INI (`[group]`, `[group:children]`, `[group:vars]`, `h ansible_host=1.2.3.4 ansible_port=2222`).
// Only ansible_host, ansible_port and ansible_user matter here; the SSH target connects with
// `-o HostName= -p -l` when they are set, else by the name through the user's ssh configuration.
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export interface InventoryHost {
  name: string;
  host: string;
  port?: number;
  user?: string;
}

export class InventoryError extends Error {}

interface Group {
  hosts: Set<string>;
  children: Set<string>;
}

interface Inventory {
  groups: Map<string, Group>;
  vars: Map<string, Record<string, unknown>>;
}

const HostVars = z
  .object({
    ansible_host: z.string().min(1).optional(),
    ansible_port: z.coerce.number().int().min(1).max(65535).optional(),
    ansible_user: z.string().min(1).optional(),
  })
  .loose();

const YamlGroup: z.ZodType<YamlGroupT> = z.lazy(() =>
  z
    .object({
      hosts: z.record(z.string(), HostVars.nullable()).nullable().optional(),
      children: z.record(z.string(), YamlGroup.nullable()).nullable().optional(),
      vars: z.record(z.string(), z.unknown()).nullable().optional(),
    })
    .loose(),
);
interface YamlGroupT {
  hosts?: Record<string, z.infer<typeof HostVars> | null> | null;
  children?: Record<string, YamlGroupT | null> | null;
  vars?: Record<string, unknown> | null;
}

function group(inv: Inventory, name: string): Group {
  let g = inv.groups.get(name);
  if (!g) {
    g = { hosts: new Set(), children: new Set() };
    inv.groups.set(name, g);
  }
  return g;
}

function addVars(inv: Inventory, host: string, vars: Record<string, unknown>): void {
  inv.vars.set(host, { ...(inv.vars.get(host) ?? {}), ...vars });
}

function zodMessage(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
}

export function parseYamlInventory(text: string, file = 'inventory'): Inventory {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new InventoryError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  const top = z.record(z.string(), YamlGroup.nullable()).safeParse(doc ?? {});
  if (!top.success) throw new InventoryError(`${file}: not an Ansible YAML inventory: ${zodMessage(top.error)}`);
  const inv: Inventory = { groups: new Map(), vars: new Map() };
  const walk = (name: string, g: YamlGroupT | null) => {
    const me = group(inv, name);
    for (const [h, vars] of Object.entries(g?.hosts ?? {})) {
      me.hosts.add(h);
      if (vars) addVars(inv, h, vars);
    }
    for (const [c, child] of Object.entries(g?.children ?? {})) {
      me.children.add(c);
      walk(c, child);
    }
  };
  for (const [name, g] of Object.entries(top.data)) walk(name, g);
  return inv;
}

/** key=value words of an INI host line; values may be quoted. */
function splitWords(line: string): string[] | null {
  const words: string[] = [];
  const re = /\s*((?:[^\s"']+|"[^"]*"|'[^']*')+)/gy;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(line))) {
    words.push(m[1]!);
    last = re.lastIndex;
  }
  return line.slice(last).trim() === '' ? words : null;
}

const unquote = (v: string) => v.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');

export function parseIniInventory(text: string, file = 'inventory'): Inventory {
  const inv: Inventory = { groups: new Map(), vars: new Map() };
  let section: { name: string; kind: 'hosts' | 'children' | 'vars' } = { name: 'ungrouped', kind: 'hosts' };
  text.split('\n').forEach((raw, i) => {
    const where = `${file}:${i + 1}`;
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const head = /^\[([^\]\s:]+)(?::(children|vars))?\]$/.exec(line);
    if (head) {
      section = { name: head[1]!, kind: (head[2] as 'children' | 'vars' | undefined) ?? 'hosts' };
      group(inv, section.name);
      return;
    }
    if (line.startsWith('[')) throw new InventoryError(`${where}: malformed section header ${JSON.stringify(line)}`);
    const words = splitWords(line);
    if (!words?.length) throw new InventoryError(`${where}: malformed line ${JSON.stringify(line)}`);
    if (section.kind === 'children') {
      if (words.length !== 1 || words[0]!.includes('=')) throw new InventoryError(`${where}: a [${section.name}:children] line names one group, got ${JSON.stringify(line)}`);
      group(inv, section.name).children.add(words[0]!);
      group(inv, words[0]!);
      return;
    }
    if (section.kind === 'vars') return; // group vars: ansible_* connection settings per group are not used here
    const [host, ...rest] = words;
    if (host!.includes('=')) throw new InventoryError(`${where}: expected a host name first, got ${JSON.stringify(host)}`);
    const vars: Record<string, string> = {};
    for (const w of rest) {
      const eq = w.indexOf('=');
      if (eq <= 0) throw new InventoryError(`${where}: expected key=value after the host name, got ${JSON.stringify(w)}`);
      vars[w.slice(0, eq)] = unquote(w.slice(eq + 1));
    }
    const parsed = HostVars.safeParse(vars);
    if (!parsed.success) throw new InventoryError(`${where}: ${zodMessage(parsed.error)}`);
    group(inv, section.name).hosts.add(host!);
    addVars(inv, host!, parsed.data);
  });
  // Every group is a child of `all`, as in Ansible.
  const all = group(inv, 'all');
  for (const name of inv.groups.keys()) if (name !== 'all') all.children.add(name);
  return inv;
}

function looksLikeYaml(file: string, text: string): boolean {
  if (/\.ya?ml$/i.test(file)) return true;
  if (/\.(ini|cfg|hosts)$/i.test(file)) return false;
  const first = text.split('\n').find((l) => l.trim() && !l.trim().startsWith('#'))?.trim() ?? '';
  return first === '---' || /^[A-Za-z0-9_.-]+:\s*$/.test(first);
}

function hostsOf(inv: Inventory, name: string, seen = new Set<string>()): string[] {
  if (seen.has(name)) return [];
  seen.add(name);
  const g = inv.groups.get(name);
  if (!g) return [];
  const out = [...g.hosts];
  for (const c of g.children) out.push(...hostsOf(inv, c, seen));
  return out;
}

/** The hosts of an inventory's text (all, or one group's, recursively through its children). */
export function inventoryHosts(text: string, opts: { file?: string; group?: string; format?: 'yaml' | 'ini' } = {}): InventoryHost[] {
  const file = opts.file ?? 'inventory';
  const format = opts.format ?? (looksLikeYaml(file, text) ? 'yaml' : 'ini');
  const inv = format === 'yaml' ? parseYamlInventory(text, file) : parseIniInventory(text, file);
  let names: string[];
  if (opts.group && opts.group !== 'all') {
    if (!inv.groups.has(opts.group)) {
      const known = [...inv.groups.keys()].sort();
      throw new InventoryError(`${file}: no group ${JSON.stringify(opts.group)} (groups: ${known.join(', ') || 'none'})`);
    }
    names = hostsOf(inv, opts.group);
  } else {
    names = [...new Set([...[...inv.groups.keys()].flatMap((g) => hostsOf(inv, g)), ...inv.vars.keys()])];
  }
  const unique = [...new Set(names)];
  return unique.map((name) => {
    const v = HostVars.parse(inv.vars.get(name) ?? {});
    return {
      name,
      host: v.ansible_host ?? name,
      ...(v.ansible_port !== undefined ? { port: v.ansible_port } : {}),
      ...(v.ansible_user !== undefined ? { user: v.ansible_user } : {}),
    };
  });
}

/** `FILE` or `FILE:GROUP` (the last colon separates the group when what precedes it is a file). */
export function parseInventorySpec(spec: string): { file: string; group?: string } {
  if (existsSync(spec)) return { file: spec };
  const i = spec.lastIndexOf(':');
  const group = spec.slice(i + 1);
  if (i > 0 && group && !group.includes('/')) return { file: spec.slice(0, i), group };
  return { file: spec };
}

export function loadInventory(spec: string): InventoryHost[] {
  const { file, group } = parseInventorySpec(spec);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InventoryError(`inventory ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const hosts = inventoryHosts(text, { file, group });
  if (!hosts.length) throw new InventoryError(`${file}${group ? `:${group}` : ''}: no hosts`);
  return hosts;
}
