/**
 * `scan`: how long @surplus/deps takes to scan a package-lock.json of over 900 packages, against
 * `npm ls --all --package-lock-only --json` reading the same lock (and its package.json) in the same
 * run; and how long it takes on a CycloneDX SBOM of over 1,000 components.
 *
 *   npm run bench -- scan [--rounds 5] [--packages 1000] [--components 1500]
 *
 * `--packages` is the number of package names generated; with the default, 1,221 name@versions end
 * up installed in 1,475 folders, 71 of them direct.
 *
 * Both files are generated here, deterministically (a seeded generator): a lock laid out the way npm
 * lays one out (hoisted where it can, nested where versions clash, dev flags, scoped names), and an
 * SBOM with nested components, a dependency graph and VCS references. `ms` is `scan()` in this
 * process, as the server runs it on an upload; `npm_ls_ms` is the npm process, as a user runs it.
 * `cli_ms` is our command as a process (`surplus deps scan --json`), for the like-for-like view.
 * The package counts of both tools are compared, so the figure is also a check of the generated lock.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { scan } from '../packages/deps/src/index.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const GOAL = 0.25;

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (below: number) => Math.floor(next() * below),
    pick: <T>(items: T[]) => items[Math.floor(next() * items.length)] as T,
  };
}

const WORDS =
  'fast json parse stream core util color path glob match mini micro tiny deep merge clone equal string case camel kebab array object type is has get set define property proxy event emit queue async promise retry timeout cache lru hash crypto buffer bytes base64 url query http fetch agent socket tls dns net fs walk watch ignore yaml toml ini env config log debug chalk ansi wrap width table format date time ms semver range lint test mock spy assert diff patch tree graph walker visitor ast token lexer babel esbuild rollup vite plugin loader resolve require module import export bundle minify terser css html dom react vue svelte'.split(
    ' ',
  );

type Pkg = { name: string; versions: string[]; level: number; deps: { name: string; version: string }[][] };

/** Packages on levels (a dependency is always on a lower level), some with several versions. */
function generatePackages(count: number) {
  const rng = random(0x5eed);
  const names = new Set<string>();
  while (names.size < count) {
    const base = Array.from({ length: 1 + rng.int(3) }, () => rng.pick(WORDS)).join('-');
    names.add(rng.next() < 0.15 ? `@${rng.pick(WORDS)}/${base}` : base);
  }
  const packages: Pkg[] = [...names].map((name) => {
    const versionCount = rng.next() < 0.15 ? 2 + rng.int(2) : 1;
    const major = 1 + rng.int(5);
    const versions = Array.from({ length: versionCount }, (_, i) => `${major + i}.${rng.int(20)}.${rng.int(30)}`);
    return { name, versions, level: rng.int(8), deps: [] };
  });
  const byLevel = (below: number) => packages.filter((p) => p.level < below);
  for (const pkg of packages) {
    const candidates = byLevel(pkg.level);
    pkg.deps = pkg.versions.map(() => {
      const chosen = new Map<string, string>();
      const wanted = candidates.length ? rng.int(Math.min(9, candidates.length + 1)) : 0;
      for (let i = 0; i < wanted; i++) {
        const dep = rng.pick(candidates);
        chosen.set(dep.name, rng.pick(dep.versions));
      }
      return [...chosen].map(([name, version]) => ({ name, version }));
    });
  }
  return { packages, rng };
}

/** A package-lock v3 laid out the way npm's resolution reads it back. */
function generateLock(count: number) {
  const { packages, rng } = generatePackages(count);
  const byName = new Map(packages.map((p) => [p.name, p]));
  const top = packages.filter((p) => p.level >= 4);
  const direct = new Map<string, string>();
  const devDirect = new Map<string, string>();
  while (direct.size < 40) {
    const p = rng.pick(top);
    direct.set(p.name, p.versions[0] as string);
  }
  while (devDirect.size < 30) {
    const p = rng.pick(top);
    if (!direct.has(p.name)) devDirect.set(p.name, p.versions[0] as string);
  }
  // Whatever nothing pulls in yet becomes a dependency of a package above it (later in level order, so
  // the graph stays acyclic); only what is left at the very top becomes a dev dependency of the root.
  const wanted = new Set<string>();
  for (const p of packages) for (const deps of p.deps) for (const d of deps) wanted.add(`${d.name}@${d.version}`);
  for (const [name, version] of [...direct, ...devDirect]) wanted.add(`${name}@${version}`);
  const ordered = packages
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.level - b.p.level || a.i - b.i)
    .map(({ p }) => p);
  ordered.forEach((p, position) => {
    for (const version of p.versions) {
      if (wanted.has(`${p.name}@${version}`)) continue;
      const above = ordered.slice(position + 1).filter((q) => q.name !== p.name);
      const parent = above.length ? rng.pick(above) : null;
      const deps = parent ? parent.deps[rng.int(parent.versions.length)] : undefined;
      if (deps && !deps.some((d) => d.name === p.name)) deps.push({ name: p.name, version });
      else if (!direct.has(p.name) && !devDirect.has(p.name)) devDirect.set(p.name, version);
      else continue;
      wanted.add(`${p.name}@${version}`);
    }
  });

  const folders = new Map<string, { name: string; version: string }>();
  const dependents = new Map<string, string[]>(); // folder → the folders it resolves its dependencies to
  const nearest = (from: string, name: string) => {
    const segments = from ? from.split('/') : [];
    for (let length = segments.length; length >= 0; length--) {
      if (length > 0 && segments[length - 1] === 'node_modules') continue;
      const prefix = segments.slice(0, length).join('/');
      const path = `${prefix ? `${prefix}/` : ''}node_modules/${name}`;
      if (folders.has(path)) return path;
    }
    return null;
  };
  const queue: { from: string; name: string; version: string }[] = [...direct, ...devDirect].map(([name, version]) => ({
    from: '',
    name,
    version,
  }));
  // The root's own dependencies take the top level first, as npm does.
  for (const { name, version } of queue) folders.set(`node_modules/${name}`, { name, version });
  for (let i = 0; i < queue.length; i++) {
    const { from, name, version } = queue[i] as { from: string; name: string; version: string };
    let path = nearest(from, name);
    if (from === '') path = `node_modules/${name}`;
    else if (!path) {
      path = `node_modules/${name}`;
      folders.set(path, { name, version });
    } else if (folders.get(path)?.version !== version) {
      path = `${from}/node_modules/${name}`;
      folders.set(path, { name, version });
    } else {
      dependents.set(from, [...(dependents.get(from) ?? []), path]);
      continue;
    }
    dependents.set(from, [...(dependents.get(from) ?? []), path]);
    const pkg = byName.get(name) as Pkg;
    for (const dep of pkg.deps[pkg.versions.indexOf(version)] ?? []) queue.push({ from: path, name: dep.name, version: dep.version });
  }
  // dev: not reachable from the root's production dependencies.
  const prod = new Set<string>();
  const walk = [...direct.keys()].map((name) => `node_modules/${name}`);
  while (walk.length) {
    const path = walk.pop() as string;
    if (prod.has(path)) continue;
    prod.add(path);
    walk.push(...(dependents.get(path) ?? []));
  }
  const entries: Record<string, unknown> = {
    '': { name: 'bench-product', version: '1.0.0', license: 'MIT', dependencies: ranges(direct), devDependencies: ranges(devDirect) },
  };
  for (const path of [...folders.keys()].sort()) {
    const { name, version } = folders.get(path) as { name: string; version: string };
    const pkg = byName.get(name) as Pkg;
    const deps = pkg.deps[pkg.versions.indexOf(version)] ?? [];
    const bare = name.split('/').pop();
    entries[path] = {
      version,
      resolved: `https://registry.npmjs.org/${name}/-/${bare}-${version}.tgz`,
      integrity: `sha512-${Buffer.from(`${name}@${version}`).toString('base64').padEnd(86, 'A')}==`,
      ...(prod.has(path) ? {} : { dev: true }),
      license: 'MIT',
      ...(deps.length ? { dependencies: ranges(new Map(deps.map((d) => [d.name, d.version]))) } : {}),
    };
  }
  const lock = { name: 'bench-product', version: '1.0.0', lockfileVersion: 3, requires: true, packages: entries };
  const manifest = {
    name: 'bench-product',
    version: '1.0.0',
    private: true,
    dependencies: ranges(direct),
    devDependencies: ranges(devDirect),
  };
  return { lock, manifest, folders: folders.size };
}

function ranges(deps: Map<string, string>): Record<string, string> {
  return Object.fromEntries([...deps].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, version]) => [name, `^${version}`]));
}

/** A CycloneDX 1.5 SBOM: maven, npm, pypi and golang components, some nested, most with a VCS reference. */
function generateSbom(count: number) {
  const rng = random(0xb0b);
  const types = ['maven', 'npm', 'pypi', 'golang'];
  const owners = Array.from({ length: 150 }, (_, i) => `${rng.pick(WORDS)}-${i}`);
  const components = Array.from({ length: count }, (_, i) => {
    const type = rng.pick(types);
    const name = `${rng.pick(WORDS)}-${rng.pick(WORDS)}-${i}`;
    const version = `${rng.int(5)}.${rng.int(20)}.${rng.int(10)}`;
    const purl =
      type === 'maven'
        ? `pkg:maven/org.${rng.pick(WORDS)}/${name}@${version}?type=jar`
        : type === 'golang'
          ? `pkg:golang/github.com/${rng.pick(owners)}/${name}@v${version}`
          : `pkg:${type}/${name}@${version}`;
    const owner = rng.pick(owners);
    return {
      'bom-ref': purl,
      type: 'library',
      name,
      version,
      purl,
      level: rng.int(8),
      ...(rng.next() < 0.7 ? { externalReferences: [{ type: 'vcs', url: `https://github.com/${owner}/${owner}-${rng.int(4)}.git` }] } : {}),
    };
  });
  const dependencies = components.map((component) => {
    const lower = components.filter((c) => c.level < component.level);
    const dependsOn = new Set<string>();
    for (let i = rng.int(7); i > 0 && lower.length; i--) dependsOn.add(rng.pick(lower)['bom-ref']);
    return { ref: component['bom-ref'], dependsOn: [...dependsOn] };
  });
  const product = {
    'bom-ref': 'pkg:maven/com.example/product@1.0.0',
    type: 'application',
    name: 'product',
    version: '1.0.0',
    purl: 'pkg:maven/com.example/product@1.0.0',
  };
  const roots = components.filter((c) => c.level >= 6).slice(0, 60);
  // Every tenth component nests under the one before it, as assemblies do.
  const nested: Record<string, unknown>[] = [];
  for (const [i, { level: _level, ...component }] of components.entries()) {
    const parent = nested.at(-1);
    if (i % 10 === 9 && parent) parent.components = [...((parent.components as unknown[] | undefined) ?? []), component];
    else nested.push(component);
  }
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    metadata: { component: product },
    components: nested,
    dependencies: [{ ref: product['bom-ref'], dependsOn: roots.map((c) => c['bom-ref']) }, ...dependencies],
  };
}

/** Distinct name@version in npm ls's tree (deduped entries included: they name the same package). */
function countNpmLs(tree: { dependencies?: Record<string, { version?: string; dependencies?: unknown }> }): number {
  const seen = new Set<string>();
  const stack = [tree];
  while (stack.length) {
    const node = stack.pop() as typeof tree;
    for (const [name, child] of Object.entries(node.dependencies ?? {})) {
      if (child.version) seen.add(`${name}@${child.version}`);
      stack.push(child as typeof tree);
    }
  }
  return seen.size;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const round = (value: number) => Math.round(value * 10) / 10;

export default async function scanBenchmark(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string', default: '5' },
      packages: { type: 'string', default: '1000' },
      components: { type: 'string', default: '1500' },
    },
  });
  const rounds = Number(values.rounds);
  const tmp = await mkdtemp(join(tmpdir(), 'surplus-scan-bench-'));
  try {
    const { lock, manifest, folders } = generateLock(Number(values.packages));
    const lockText = JSON.stringify(lock, null, 2);
    const lockPath = join(tmp, 'package-lock.json');
    await writeFile(lockPath, `${lockText}\n`);
    await writeFile(join(tmp, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const sbomText = JSON.stringify(generateSbom(Number(values.components)));

    const npmEnv = {
      ...process.env,
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
      npm_config_offline: 'true',
    };
    const npmLs = async () => {
      const started = performance.now();
      // npm ls exits 1 when it finds problems in the tree; the generated one has none, so that is a failure here.
      const { stdout } = await run('npm', ['ls', '--all', '--package-lock-only', '--json'], {
        cwd: tmp,
        env: npmEnv,
        maxBuffer: 256 * 1024 * 1024,
      });
      return { ms: performance.now() - started, tree: JSON.parse(stdout) };
    };
    const ourScan = () => {
      // Reading the bytes is part of the job, as it is for npm ls.
      const started = performance.now();
      const result = scan(readFileSync(lockPath), 'package-lock.json');
      return { ms: performance.now() - started, result };
    };
    const cli = async () => {
      const started = performance.now();
      const { stdout } = await run(process.execPath, [join(root, 'cli/src/main.ts'), 'deps', 'scan', lockPath, '--json'], {
        maxBuffer: 256 * 1024 * 1024,
      });
      return { ms: performance.now() - started, packages: (JSON.parse(stdout) as { packages: number }).packages };
    };
    const npmVersion = (await run('npm', ['--version'], { env: npmEnv })).stdout.trim();

    // One of each first: JIT warm-up for our scan, file cache and npm's own module cache for npm ls.
    const first = ourScan().result;
    const firstLs = await npmLs();
    const npmPackages = countNpmLs(firstLs.tree);
    if (first.packages < 900) throw new Error(`the generated lock has only ${first.packages} packages`);
    if (first.packages !== npmPackages) throw new Error(`we count ${first.packages} packages, npm ls ${npmPackages}`);
    scan(sbomText, 'bom.json');
    console.log(
      `npm ${npmVersion}; package-lock.json: ${folders} folders, ${first.packages} packages (npm ls agrees), ${first.direct} direct, ${Math.round(lockText.length / 1024)} KB`,
    );

    const ours: number[] = [];
    const theirs: number[] = [];
    const sbom: number[] = [];
    const cliRuns: number[] = [];
    let components = 0;
    for (let pass = 1; pass <= rounds; pass++) {
      // Alternate who goes first, so that drift in the machine's load falls on both.
      const order = pass % 2 ? ['ours', 'npm'] : ['npm', 'ours'];
      for (const who of order) {
        if (who === 'ours') ours.push(ourScan().ms);
        else theirs.push((await npmLs()).ms);
      }
      const started = performance.now();
      components = scan(sbomText, 'bom.json').packages;
      sbom.push(performance.now() - started);
      const cliRun = await cli();
      if (cliRun.packages !== first.packages) throw new Error(`surplus deps scan counted ${cliRun.packages}`);
      cliRuns.push(cliRun.ms);
      console.log(
        `round ${pass}: scan ${ours.at(-1)?.toFixed(1)} ms, npm ls ${theirs.at(-1)?.toFixed(0)} ms, CycloneDX (${components} components) ${sbom.at(-1)?.toFixed(1)} ms, CLI ${cliRuns.at(-1)?.toFixed(0)} ms`,
      );
    }
    if (components < 1000) throw new Error(`the generated SBOM has only ${components} components`);
    const ms = median(ours);
    const npmLsMs = median(theirs);
    const ratio = ms / npmLsMs;
    console.log(
      `median of ${rounds}: scan ${ms.toFixed(1)} ms vs npm ls ${npmLsMs.toFixed(0)} ms → ratio ${ratio.toFixed(3)} (goal ≤ ${GOAL})`,
    );
    return {
      ratio,
      ms: round(ms),
      npm_ls_ms: Math.round(npmLsMs),
      cyclonedx_ms: round(median(sbom)),
      cli_ms: Math.round(median(cliRuns)),
      packages: first.packages,
      npm_ls_packages: npmPackages,
      components,
      npm: npmVersion,
      goal: GOAL,
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
