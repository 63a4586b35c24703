/**
 * Where a package's source lives, written one way (`github.com/owner/repo`, lower case, no scheme or
 * `.git`) so that packages from different files and ecosystems meet on the same repository, and so
 * that a later step can match the repository to a Surplus project by equality.
 */

import type { PurlParts } from './purl.ts';

// Forges where a repository is exactly `host/owner/repo`; anything after is a page inside it.
const TWO_SEGMENT_FORGES = new Set(['github.com', 'bitbucket.org', 'codeberg.org', 'gitee.com']);

// The Apache Software Foundation mirrors every git repository it hosts to github.com/apache.
const APACHE_GIT_HOSTS = new Set(['gitbox.apache.org', 'git-wip-us.apache.org', 'git.apache.org']);

/**
 * A repository URL in any of the spellings seen in package metadata (`git+https://…/x.git`,
 * `git@github.com:x/y.git`, `scm:git:git://…`, `github:x/y`, `https://github.com/x/y/tree/main`,
 * SPDX's `git+https://…/y.git@v1.0#sub`), or null for NONE/NOASSERTION and for text that is no URL.
 */
export function normalizeRepositoryUrl(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  let url = raw.trim();
  if (!url || /^(NONE|NOASSERTION)$/i.test(url) || url.length > 2048) return null;
  url = url.replace(/^scm:(git|svn|hg):/i, '').replace(/^(git|svn|hg)\+/i, '');
  const shorthand = /^(github|gitlab|bitbucket):([^/\s]+\/[^/\s#]+)/i.exec(url);
  if (shorthand) {
    const host = { github: 'github.com', gitlab: 'gitlab.com', bitbucket: 'bitbucket.org' }[(shorthand[1] as string).toLowerCase()];
    url = `${host}/${shorthand[2]}`;
  }
  // scp-like `git@host:owner/repo.git`
  const scp = /^[A-Za-z0-9._-]+@([A-Za-z0-9.-]+):(?!\/\/)(.+)$/.exec(url);
  if (scp) url = `${scp[1]}/${scp[2]}`;
  url = url.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//, '').replace(/^[^/@]*@/, '');
  const slash = url.indexOf('/');
  let host = (slash === -1 ? url : url.slice(0, slash))
    .toLowerCase()
    .replace(/:\d+$/, '')
    .replace(/^www\./, '');
  let rest = slash === -1 ? '' : url.slice(slash + 1);
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(host)) return null;

  if (APACHE_GIT_HOSTS.has(host)) {
    const name = /[?;&]p=([^;&#]+?)(\.git)?(?:[;&#]|$)/.exec(rest)?.[1] ?? /repos\/asf\/([^/?#]+?)(\.git)?(?:[/?#]|$)/.exec(rest)?.[1];
    return name ? `github.com/apache/${name.toLowerCase()}` : null;
  }
  rest = rest.replace(/[?#].*$/, '');
  if (host === 'api.github.com') {
    const repo = /^repos\/([^/]+)\/([^/]+)/.exec(rest);
    if (!repo) return null;
    host = 'github.com';
    rest = `${repo[1]}/${repo[2]}`;
  } else if (host === 'codeload.github.com' || host === 'raw.githubusercontent.com') {
    host = 'github.com';
  }
  const segments = rest.split('/').filter((segment) => segment !== '');
  if (TWO_SEGMENT_FORGES.has(host)) {
    const [owner, repo] = segments;
    if (!owner || !repo) return null;
    return `${host}/${clean(owner)}/${clean(repo)}`;
  }
  if (host === 'gitlab.com' || host.startsWith('gitlab.')) {
    // GitLab nests groups; the project path ends where GitLab's own pages begin (`/-/tree/…`).
    const end = segments.indexOf('-');
    const path = (end === -1 ? segments : segments.slice(0, end)).filter((s) => !['tree', 'blob', 'commits'].includes(s));
    if (path.length < 2) return null;
    return `${host}/${path.map(clean).join('/')}`;
  }
  // Subversion keeps trunk, branches and tags inside the repository path; the project is above them.
  const cut = segments.findIndex((s) => s === 'trunk' || s === 'branches' || s === 'tags');
  const path = (cut === -1 ? segments : segments.slice(0, cut)).map((s) => (host === 'svn.apache.org' && s === 'viewvc' ? 'repos' : s));
  if (path.length === 0) return null;
  return `${host}/${path.map(clean).join('/')}`;
}

function clean(segment: string): string {
  return segment
    .replace(/@.*$/, '')
    .replace(/\.git$/i, '')
    .toLowerCase();
}

// Vanity import paths whose repository cannot be read off the path. Prefixes; the longest match wins.
const GO_VANITY: [prefix: string, repository: string][] = [
  ['google.golang.org/grpc', 'github.com/grpc/grpc-go'],
  ['google.golang.org/protobuf', 'github.com/protocolbuffers/protobuf-go'],
  ['google.golang.org/genproto', 'github.com/googleapis/go-genproto'],
  ['google.golang.org/api', 'github.com/googleapis/google-api-go-client'],
  ['google.golang.org/appengine', 'github.com/golang/appengine'],
  ['cloud.google.com/go', 'github.com/googleapis/google-cloud-go'],
  ['go.opentelemetry.io/otel', 'github.com/open-telemetry/opentelemetry-go'],
  ['go.opentelemetry.io/contrib', 'github.com/open-telemetry/opentelemetry-go-contrib'],
  ['go.opentelemetry.io/proto/otlp', 'github.com/open-telemetry/opentelemetry-proto-go'],
  ['go.opentelemetry.io/collector', 'github.com/open-telemetry/opentelemetry-collector'],
  ['go.opentelemetry.io/auto', 'github.com/open-telemetry/opentelemetry-go-instrumentation'],
  ['go.mongodb.org/mongo-driver', 'github.com/mongodb/mongo-go-driver'],
  ['go.opencensus.io', 'github.com/census-instrumentation/opencensus-go'],
  ['go.starlark.net', 'github.com/google/starlark-go'],
  ['go.yaml.in/yaml', 'github.com/yaml/go-yaml'],
  ['gocloud.dev', 'github.com/google/go-cloud'],
  ['gotest.tools', 'github.com/gotestyourself/gotest.tools'],
  ['honnef.co/go/tools', 'github.com/dominikh/go-tools'],
  ['dario.cat/mergo', 'github.com/darccio/mergo'],
  ['cel.dev/expr', 'github.com/google/cel-spec'],
  ['howett.net/plist', 'github.com/dhowett/go-plist'],
  ['tailscale.com', 'github.com/tailscale/tailscale'],
  ['golang.zx2c4.com/wireguard', 'github.com/wireguard/wireguard-go'],
  ['go.step.sm/crypto', 'github.com/smallstep/crypto'],
  ['nhooyr.io/websocket', 'github.com/coder/websocket'],
];

// Hosts where the first path segment names the repository under a known GitHub owner.
const GO_OWNER_HOSTS: Record<string, string> = {
  'golang.org/x': 'github.com/golang',
  'go.uber.org': 'github.com/uber-go',
  'k8s.io': 'github.com/kubernetes',
  'sigs.k8s.io': 'github.com/kubernetes-sigs',
  'go.etcd.io': 'github.com/etcd-io',
  'mvdan.cc': 'github.com/mvdan',
  'filippo.io': 'github.com/filosottile',
  'rsc.io': 'github.com/rsc',
  'lukechampine.com': 'github.com/lukechampine',
  'modernc.org': 'gitlab.com/cznic',
};

/**
 * The repository of a Go module path: forge paths as they are (minus `/v2` and subdirectories),
 * gopkg.in's two conventions, and the well-known vanity paths. Null for vanity paths we do not know.
 */
export function goModuleRepository(modulePath: string): string | null {
  const path = modulePath.trim().toLowerCase();
  const segments = path.split('/');
  const host = segments[0] ?? '';
  if (TWO_SEGMENT_FORGES.has(host) || host === 'gitlab.com') {
    const [, owner, repo] = segments;
    return owner && repo ? `${host}/${owner}/${repo}` : null;
  }
  if (host === 'gopkg.in') {
    // gopkg.in/pkg.v3 → github.com/go-pkg/pkg; gopkg.in/user/pkg.v3 → github.com/user/pkg
    const [, first, second] = segments;
    if (!first) return null;
    const versioned = /^(.+)\.v\d+$/;
    if (second && versioned.test(second)) return `github.com/${first}/${(versioned.exec(second) as RegExpExecArray)[1]}`;
    const pkg = versioned.exec(first)?.[1];
    return pkg ? `github.com/go-${pkg}/${pkg}` : null;
  }
  let best: [string, string] | null = null;
  for (const [prefix, repository] of GO_VANITY) {
    if ((path === prefix || path.startsWith(`${prefix}/`)) && (!best || prefix.length > best[0].length)) best = [prefix, repository];
  }
  if (best) return best[1];
  for (const [prefix, owner] of Object.entries(GO_OWNER_HOSTS)) {
    if (path.startsWith(`${prefix}/`)) {
      const repo = path.slice(prefix.length + 1).split('/')[0];
      if (repo) return `${owner}/${repo.replace(/\.v\d+$/, '')}`;
    }
  }
  return null;
}

/**
 * The entity one would fund for a repository: the account or group that owns it on a forge
 * (`github.com/symfony`), the ASF for Apache's own hosts, else the host.
 */
export function repositoryOwner(repository: string): string {
  const [host = '', owner] = repository.split('/');
  if (host.endsWith('apache.org')) return 'github.com/apache';
  if (owner && (TWO_SEGMENT_FORGES.has(host) || host === 'gitlab.com' || host.startsWith('gitlab.'))) return `${host}/${owner}`;
  return host;
}

/** What a purl itself says about the source: Go module paths and forge purl types. */
export function repositoryFromPurl(parts: PurlParts | null): string | null {
  if (!parts) return null;
  const path = parts.namespace ? `${parts.namespace}/${parts.name}` : parts.name;
  switch (parts.type) {
    case 'golang':
      return goModuleRepository(path);
    case 'github':
      return normalizeRepositoryUrl(`github.com/${path}`);
    case 'gitlab':
      return normalizeRepositoryUrl(`gitlab.com/${path}`);
    case 'bitbucket':
      return normalizeRepositoryUrl(`bitbucket.org/${path}`);
    default:
      return null;
  }
}

/**
 * A homepage counts as the repository only when it is a repository page on a forge: a homepage of
 * `https://github.com/dguo/strsim-rs` says where the source is; `https://serde.rs` does not.
 */
export function repositoryFromHomepage(url: unknown): string | null {
  if (
    typeof url !== 'string' ||
    !/^https?:\/\/(www\.)?(github\.com|gitlab\.com|bitbucket\.org|codeberg\.org)\/[^/\s]+\/[^/\s#?]+/i.test(url.trim())
  )
    return null;
  return normalizeRepositoryUrl(url);
}
