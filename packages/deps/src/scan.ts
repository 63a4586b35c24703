/**
 * The one entry point: bytes of a lock file or SBOM (and optionally its manifest) in, the product's
 * dependency graph and upstream projects out. Pure: no file system, no network, no clock, so the CLI
 * scans offline and the server can run the very same function on an upload.
 */
import { UnrecognizedFormatError } from './errors.ts';
import { type CompanionKind, detectCompanion, detectFormat, type Format } from './formats.ts';
import { type DependencyGraph, GraphBuilder } from './graph.ts';
import { parseGemfileLock } from './parsers/bundler.ts';
import { parseCargoLock } from './parsers/cargo.ts';
import { parseComposerLock } from './parsers/composer.ts';
import { parseCycloneDx } from './parsers/cyclonedx.ts';
import { parseGoMod, parseGoSum } from './parsers/go.ts';
import { parsePackageLock } from './parsers/npm.ts';
import { parsePnpmLock } from './parsers/pnpm.ts';
import { parsePoetryLock } from './parsers/poetry.ts';
import { parseRequirements } from './parsers/requirements.ts';
import { parseSpdx } from './parsers/spdx.ts';
import type { Companion, ParseInput, ParseOutcome } from './parsers/types.ts';
import { parseYarnLock } from './parsers/yarn.ts';
import { type UpstreamOwner, type UpstreamProject, upstreamOwners, upstreamProjects } from './upstream.ts';

type Reader = { parse(input: ParseInput): ParseOutcome; companions: CompanionKind[] };

const READERS: Record<Format, Reader> = {
  'cyclonedx-json': { parse: parseCycloneDx, companions: [] },
  'spdx-json': { parse: parseSpdx, companions: [] },
  'package-lock.json': { parse: parsePackageLock, companions: ['package.json'] },
  'pnpm-lock.yaml': { parse: parsePnpmLock, companions: [] },
  'yarn.lock': { parse: parseYarnLock, companions: ['package.json'] },
  'go.mod': { parse: parseGoMod, companions: ['go.sum'] },
  'go.sum': { parse: parseGoSum, companions: ['go.mod'] },
  'Cargo.lock': { parse: parseCargoLock, companions: ['Cargo.toml'] },
  'poetry.lock': { parse: parsePoetryLock, companions: ['pyproject.toml'] },
  'requirements.txt': { parse: parseRequirements, companions: ['requirements', 'pyproject.toml'] },
  'Gemfile.lock': { parse: parseGemfileLock, companions: [] },
  'composer.lock': { parse: parseComposerLock, companions: ['composer.json'] },
};

export type Bytes = Uint8Array | string;

export type ScanResult = {
  format: Format;
  formatVersion: string | null;
  fileName: string;
  productName: string | null;
  /** Distinct packages (purls without qualifiers) the product depends on; its own packages not counted. */
  packages: number;
  /** Distinct direct dependencies, dev and optional included; null when the file cannot say. */
  direct: number | null;
  companion: { kind: CompanionKind; fileName: string } | null;
  graph: DependencyGraph;
  /** Upstream projects, ranked (see upstream.ts for the formula). */
  projects: UpstreamProject[];
  owners: UpstreamOwner[];
  notes: string[];
};

/** UTF-8 with or without a byte-order mark; UTF-16 when its mark says so (some Windows tools write SBOMs that way). */
export function decodeText(bytes: Bytes): string {
  if (typeof bytes === 'string') return bytes.replace(/^\uFEFF/, '');
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  return new TextDecoder('utf-8').decode(bytes);
}

/**
 * Scans one dependency file. Throws UnrecognizedFormatError when it is none we read and ParseError
 * when it is malformed (the companion too); nothing else.
 */
export function scan(bytes: Bytes, fileName: string, companion?: { bytes: Bytes; name: string }): ScanResult {
  const text = decodeText(bytes);
  const format = detectFormat(text, fileName);
  if (!format) throw new UnrecognizedFormatError(fileName);
  const reader = READERS[format];
  const notes: string[] = [];
  let given: Companion | null = null;
  if (companion) {
    const companionText = decodeText(companion.bytes);
    const kind = detectCompanion(companionText, companion.name);
    if (kind && reader.companions.includes(kind)) given = { kind, text: companionText, fileName: companion.name };
    else
      notes.push(
        `${companion.name} was ignored: ${format} ${reader.companions.length ? `takes ${reader.companions.join(' or ')}` : 'needs no manifest'}`,
      );
  }
  const builder = new GraphBuilder();
  const outcome = reader.parse({ text, fileName, companion: given, builder, notes });
  const graph = builder.build(outcome.productName ?? fileName);
  const projects = upstreamProjects(graph.components);
  return {
    format,
    formatVersion: outcome.formatVersion,
    fileName,
    productName: outcome.productName,
    packages: graph.packageCount,
    direct: graph.directCount,
    companion: given ? { kind: given.kind, fileName: given.fileName } : null,
    graph,
    projects,
    owners: upstreamOwners(projects),
    notes,
  };
}
