/**
 * @surplus/deps: offline dependency scanning. `scan(bytes, fileName, companion?)` reads a lock file
 * or SBOM into the product's dependency graph and its upstream projects, ranked.
 */
export { ParseError, UnrecognizedFormatError } from './errors.ts';
export { type CompanionKind, detectCompanion, detectFormat, FORMAT_LABELS, type Format, SUPPORTED_FORMATS } from './formats.ts';
export { type Component, DependencyGraph, type Edge, type EdgeKind, type GraphData, type Root } from './graph.ts';
export { formatPurl, normalizePurl, normalizePythonName, type PurlParts, parsePurl } from './purl.ts';
export { goModuleRepository, normalizeRepositoryUrl, repositoryOwner } from './repository.ts';
export { type Bytes, decodeText, type ScanResult, scan } from './scan.ts';
export { type ScoreTerms, scoreProject, type UpstreamOwner, type UpstreamProject, upstreamOwners, upstreamProjects } from './upstream.ts';
