export type RepositoryRef = { host: string; owner: string; name: string; url: string };

// Hosts whose repository is always the first two path segments, whatever follows (/tree/main, /issues…).
const TWO_SEGMENT_HOSTS = new Set(['github.com', 'codeberg.org', 'bitbucket.org', 'gitea.com']);

/**
 * Normalizes the ways people write a repository (https URL, bare host/path, scp-style git@ URL, with or
 * without .git, deep links into the tree) to host/owner/repo. Returns an error text for anything else.
 */
export function normalizeRepositoryUrl(input: string): RepositoryRef | { error: string } {
  let text = input.trim();
  const scp = /^[\w.-]+@([\w.-]+):(.+)$/.exec(text);
  if (scp) text = `https://${scp[1]}/${scp[2]}`;
  else if (/^ssh:\/\//i.test(text)) text = text.replace(/^ssh:\/\/([^@/]+@)?/i, 'https://');
  else if (/^git:\/\//i.test(text)) text = text.replace(/^git:\/\//i, 'https://');
  else if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `https://${text}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { error: 'is not a URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { error: 'must be an http(s), ssh or git URL' };
  const host = url.hostname.toLowerCase().replace(/^www\./, '');
  if (!host.includes('.') && host !== 'localhost') return { error: 'must name a host such as github.com' };
  let segments: string[];
  try {
    segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    // A lone "%" survives URL parsing but not decoding.
    return { error: 'has characters that a repository path cannot have' };
  }
  const dash = segments.indexOf('-');
  if (dash >= 0) segments = segments.slice(0, dash);
  if (TWO_SEGMENT_HOSTS.has(host)) segments = segments.slice(0, 2);
  if (segments.length < 2) return { error: 'must include the owner and the repository, e.g. github.com/owner/repo' };
  const name = (segments.at(-1) as string).replace(/\.git$/i, '');
  const owner = segments.slice(0, -1).join('/');
  const valid = /^[\w.~-]+$/;
  if (!name || !segments.slice(0, -1).every((segment) => valid.test(segment)) || !valid.test(name)) {
    return { error: 'has characters that a repository path cannot have' };
  }
  return { host, owner, name, url: `https://${host}/${owner}/${name}` };
}
