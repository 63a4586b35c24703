/**
 * Package URLs (https://github.com/package-url/purl-spec), used as the identity of a package across
 * formats: the same crate read from a Cargo.lock and from an SPDX SBOM must come out as one string.
 * Identity keeps type, namespace, name and version; qualifiers (`?type=jar`, `?arch=…`) and the
 * subpath are dropped, because they name an artifact or a file of the package, not another package.
 */

export type PurlParts = { type: string; namespace: string | null; name: string; version: string | null };

// The spec leaves `:` unencoded; everything else outside the unreserved set is percent-encoded, which
// is how an npm scope becomes `%40scope`.
const encode = (text: string) => encodeURIComponent(text).replace(/%3A/gi, ':');

/** PEP 503: lower case, and runs of `-`, `_` and `.` become one `-`. */
export function normalizePythonName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** The type-specific rules of the purl spec's PURL-TYPES list that change how a name is written. */
function normalizeParts(parts: PurlParts): PurlParts {
  const type = parts.type.toLowerCase();
  let namespace = parts.namespace?.replace(/^\/+|\/+$/g, '') || null;
  let name = parts.name.trim();
  const version = parts.version?.trim() || null;
  switch (type) {
    case 'pypi':
      name = normalizePythonName(name);
      break;
    // "The namespace and name must be lowercased" for these types. For Go this merges module paths
    // that differ only in case, which the Go tooling itself refuses to mix in one build.
    case 'golang':
    case 'composer':
    case 'github':
    case 'gitlab':
    case 'bitbucket':
      name = name.toLowerCase();
      namespace = namespace?.toLowerCase() ?? null;
      break;
  }
  return { type, namespace, name, version };
}

/** The identity string: `pkg:type/namespace/name@version`, normalized and encoded per the spec. */
export function formatPurl(parts: PurlParts): string {
  const { type, namespace, name, version } = normalizeParts(parts);
  const prefix = namespace
    ? `${namespace
        .split('/')
        .filter((segment) => segment !== '')
        .map(encode)
        .join('/')}/`
    : '';
  return `pkg:${type}/${prefix}${encode(name)}${version ? `@${encode(version)}` : ''}`;
}

function decode(text: string): string | null {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/**
 * Reads a purl as SBOM tools write it, leniently: an unencoded `@` in an npm scope and a Go module
 * path encoded into the name (`github.com%2Fgorilla%2Fmux`) are both seen in real files. Null when the
 * text is not a purl at all.
 */
export function parsePurl(text: string): PurlParts | null {
  if (typeof text !== 'string' || !/^pkg:/i.test(text.trim())) return null;
  let rest = text.trim().slice(4).replace(/^\/+/, '');
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  const query = rest.indexOf('?');
  if (query !== -1) rest = rest.slice(0, query);
  const slash = rest.indexOf('/');
  if (slash <= 0) return null;
  const type = rest.slice(0, slash);
  if (!/^[A-Za-z.+-][A-Za-z0-9.+-]*$/.test(type)) return null;
  let path = rest.slice(slash + 1);
  let version: string | null = null;
  const at = path.lastIndexOf('@');
  if (at > path.lastIndexOf('/') && at > 0) {
    version = decode(path.slice(at + 1));
    if (version === null) return null;
    path = path.slice(0, at);
  }
  const segments: string[] = [];
  for (const raw of path.split('/')) {
    if (raw === '') continue;
    const segment = decode(raw);
    if (segment === null) return null;
    segments.push(...segment.split('/').filter((part) => part !== ''));
  }
  const name = segments.pop();
  if (!name) return null;
  return { type, namespace: segments.length ? segments.join('/') : null, name, version: version || null };
}

/** The identity form of any purl text, or null when it is not a purl. */
export function normalizePurl(text: string): string | null {
  const parts = parsePurl(text);
  return parts ? formatPurl(parts) : null;
}

/** Builds an identity purl from a full name that may carry its namespace (`@scope/pkg`, `vendor/pkg`, a Go module path). */
export function purlFor(type: string, fullName: string, version: string | null): string {
  const slash = fullName.lastIndexOf('/');
  const namespace = slash > 0 ? fullName.slice(0, slash) : null;
  const name = slash > 0 ? fullName.slice(slash + 1) : fullName;
  return formatPurl({ type, namespace, name: name || fullName, version });
}

/** The purl without its version: the key of a package across versions. */
export function unversioned(purl: string): string {
  const at = purl.lastIndexOf('@');
  return at > purl.lastIndexOf('/') ? purl.slice(0, at) : purl;
}
