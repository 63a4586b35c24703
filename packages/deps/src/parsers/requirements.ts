/**
 * requirements.txt, hand-written, `pip freeze`d or compiled by pip-tools.
 *
 * A pinned requirement (`name==1.2.3`, extras and environment markers allowed, `--hash` options
 * ignored) is a package with a version; an unpinned one is a package without. `-r`/`-c` includes are
 * other files we were not given: they are ignored with a note. pip-compile's `# via` comments are
 * the only graph such a file has: `# via flask` is an edge from flask, `# via -r requirements.in` or
 * `# via project (pyproject.toml)` marks a direct dependency. Without them the file cannot say what
 * is direct (a frozen file lists everything flat) unless the input file comes with `--with`.
 */
import { ParseError } from '../errors.ts';
import { normalizePythonName, purlFor } from '../purl.ts';
import { normalizeRepositoryUrl } from '../repository.ts';
import { parseToml } from '../syntax.ts';
import { pyprojectDependencies } from './poetry.ts';
import type { ParseInput, ParseOutcome } from './types.ts';

const FORMAT = 'requirements.txt';

const REQUIREMENT =
  /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?\s*(?:@\s*(\S+))?\s*((?:(?:===|==|>=|<=|~=|!=|<|>)\s*[^\s,;]+\s*,?\s*)*)(?:;(.*))?$/;

type Requirement = { name: string; version: string | null; url: string | null; line: number; via: string[] };

/** Logical lines: backslash continuations joined, the number of the first physical line kept. */
function logicalLines(text: string): { text: string; line: number }[] {
  const result: { text: string; line: number }[] = [];
  let pending: { text: string; line: number } | null = null;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    const continued = /(^|[^\\])\\$/.test(line);
    const body = continued ? line.slice(0, -1) : line;
    if (pending) pending.text += ` ${body}`;
    else pending = { text: body, line: i + 1 };
    if (!continued) {
      result.push(pending);
      pending = null;
    }
  });
  if (pending) result.push(pending);
  return result;
}

export function readRequirements(text: string, notes: string[]): Requirement[] {
  const requirements: Requirement[] = [];
  const includes: string[] = [];
  let current: Requirement | null = null;
  let inVia = false;
  for (const { text: raw, line } of logicalLines(text)) {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#')) {
      // pip-compile: "# via x" or "# via" followed by "#   x" lines, under the requirement they explain.
      const comment = trimmed.replace(/^#+\s?/, '');
      const via = /^via\b\s*(.*)$/.exec(comment.trim());
      if (current && via) {
        inVia = true;
        if (via[1]) current.via.push((via[1] as string).trim());
      } else if (current && inVia && /^\s{2,}\S/.test(comment)) current.via.push(comment.trim());
      else inVia = false;
      continue;
    }
    inVia = false;
    const content = trimmed.replace(/\s+#.*$/, '').trim();
    if (!content) continue;
    if (content.startsWith('-')) {
      current = null;
      const include = /^(-r|--requirement|-c|--constraint)[=\s]+(\S+)/.exec(content);
      if (include) includes.push(include[2] as string);
      const editable = /^(-e|--editable)[=\s]+(\S+)/.exec(content);
      if (editable) {
        const target = editable[2] as string;
        const egg = /#egg=([A-Za-z0-9._-]+)/.exec(target)?.[1];
        // An editable local path is the product's own code; an editable VCS URL is a dependency.
        if (egg && /^(git|hg|svn|bzr)\+/.test(target)) {
          current = { name: normalizePythonName(egg), version: null, url: target, line, via: [] };
          requirements.push(current);
        }
      }
      continue;
    }
    const withoutHashes = content.replace(/\s+--hash[=\s]\S+/g, '').trim();
    const match = REQUIREMENT.exec(withoutHashes);
    if (!match)
      throw new ParseError(FORMAT, `not a requirement: ${JSON.stringify(withoutHashes.slice(0, 60))}`, {
        line,
        column: raw.indexOf(content) + 1,
      });
    const clauses = (match[4] ?? '')
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    const pin = clauses.length === 1 ? /^===?\s*(\S+)$/.exec(clauses[0] as string)?.[1] : undefined;
    current = { name: normalizePythonName(match[1] as string), version: pin ?? null, url: match[3] ?? null, line, via: [] };
    requirements.push(current);
  }
  if (includes.length) notes.push(`${includes.join(', ')} (-r/-c) not read: only the given file is scanned`);
  return requirements;
}

export function parseRequirements(input: ParseInput): ParseOutcome {
  const { builder, notes } = input;
  const requirements = readRequirements(input.text, notes);
  const rootId = 'root:product';
  builder.addRoot(rootId, input.fileName || 'product');
  const byName = new Map<string, string>();
  let unpinned = 0;
  for (const requirement of requirements) {
    if (!requirement.version) unpinned++;
    const purl = purlFor('pypi', requirement.name, requirement.version);
    builder.addPackage(purl, {
      repository: requirement.url && /^(git|hg|svn|bzr)\+/.test(requirement.url) ? normalizeRepositoryUrl(requirement.url) : null,
    });
    byName.set(requirement.name, purl);
  }
  if (unpinned) notes.push(`${unpinned} requirements are not pinned with ==, so their version is unknown`);

  let hasVia = false;
  for (const requirement of requirements) {
    const purl = byName.get(requirement.name) as string;
    for (const via of requirement.via) {
      hasVia = true;
      // "-r file", "-c file" or "name (pyproject.toml)": asked for by the product's own input.
      if (/^-[rc]\s/.test(via) || /\(.*\)\s*$/.test(via)) builder.addEdge(rootId, purl);
      else {
        const parent = byName.get(normalizePythonName(via.split(/\s/)[0] as string));
        if (parent) builder.addEdge(parent, purl);
      }
    }
  }
  const companion = input.companion;
  let companionNames: string[] = [];
  if (companion?.kind === 'requirements') companionNames = readRequirements(companion.text, []).map((r) => r.name);
  else if (companion?.kind === 'pyproject.toml')
    companionNames = [...pyprojectDependencies(parseToml('pyproject.toml', companion.text)).direct.keys()];
  for (const name of companionNames) {
    const purl = byName.get(name);
    if (purl) builder.addEdge(rootId, purl);
  }
  if (!hasVia && !companion) {
    builder.isDirectKnown = false;
    notes.push('a requirements file without pip-compile "# via" comments cannot say what is direct; add --with requirements.in');
  }
  return { formatVersion: hasVia ? 'pip-compile' : null, productName: null };
}
