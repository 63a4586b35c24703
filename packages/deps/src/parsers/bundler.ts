/**
 * Gemfile.lock. Sources (GEM, GIT, PATH) list their gems under `specs:` at four spaces, each gem's
 * own requirements at six; DEPENDENCIES lists what the Gemfile asks for (the direct ones). A gem built
 * for several platforms appears once per platform (`nokogiri (1.18.9-x86_64-linux-gnu)`): one package.
 * PATH gems are the product's own code; GIT gems carry their repository.
 */
import { ParseError } from '../errors.ts';
import { purlFor } from '../purl.ts';
import { normalizeRepositoryUrl } from '../repository.ts';
import type { ParseInput, ParseOutcome } from './types.ts';

const FORMAT = 'Gemfile.lock';

// Bundler's own pattern: the version runs to the first "-", the platform follows.
const SPEC = /^([^\s(]+)(?: \(([^-)]*)(?:-([^)]*))?\))?(!)?$/;

export function parseGemfileLock(input: ParseInput): ParseOutcome {
  const { builder, notes } = input;
  const rootId = 'root:Gemfile';
  builder.addRoot(rootId, 'Gemfile');
  const versionOf = new Map<string, string>();
  const requirements: [from: string, name: string][] = [];
  const direct: string[] = [];
  let section = '';
  let remote: string | null = null;
  let current: string | null = null;
  let hasDependencies = false;
  let bundlerVersion: string | null = null;
  const lines = input.text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, '');
    if (!line.trim()) continue;
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    const position = { line: i + 1, column: indent + 1 };
    if (indent === 0) {
      section = body;
      remote = null;
      current = null;
      if (section === 'DEPENDENCIES') hasDependencies = true;
      continue;
    }
    if (section === 'BUNDLED WITH') bundlerVersion = body;
    const isSource = section === 'GEM' || section === 'GIT' || section === 'PATH';
    if (isSource && indent === 2) {
      const option = /^(\w+):\s*(.*)$/.exec(body);
      if (option?.[1] === 'remote') remote = option[2] ?? null;
      continue;
    }
    if (isSource && (indent === 4 || indent === 6)) {
      const spec = SPEC.exec(body);
      if (!spec) throw new ParseError(FORMAT, `not a gem spec: ${JSON.stringify(body.slice(0, 60))}`, position);
      const name = spec[1] as string;
      if (indent === 6) {
        if (current) requirements.push([current, name]);
        continue;
      }
      const version = spec[2];
      if (!version) throw new ParseError(FORMAT, `gem ${name} has no version`, position);
      const id = purlFor('gem', name, version);
      if (section === 'PATH') builder.addRoot(id, name);
      else builder.addPackage(id, { repository: section === 'GIT' && remote ? normalizeRepositoryUrl(remote) : null });
      versionOf.set(name, id);
      current = id;
      continue;
    }
    if (section === 'DEPENDENCIES' && indent === 2) {
      const spec = /^([^\s(!]+)/.exec(body);
      if (spec) direct.push(spec[1] as string);
    }
  }
  if (versionOf.size === 0 && !hasDependencies) throw new ParseError(FORMAT, 'no GEM, GIT or PATH specs and no DEPENDENCIES section');
  let unresolved = 0;
  for (const [from, name] of requirements) {
    const to = versionOf.get(name);
    // Requirements of gems not locked (another platform's, or bundler itself) are not installed.
    if (to) builder.addEdge(from, to);
    else unresolved++;
  }
  for (const name of direct) {
    const to = versionOf.get(name);
    if (to) builder.addEdge(rootId, to);
  }
  if (unresolved) notes.push(`${unresolved} gem requirements name gems that are not locked (other platforms, bundler itself)`);
  if (!hasDependencies) {
    builder.isDirectKnown = false;
    notes.push('Gemfile.lock has no DEPENDENCIES section, so it cannot say what is direct');
  }
  return { formatVersion: bundlerVersion ? `bundler ${bundlerVersion}` : null, productName: null };
}
