/**
 * From packages to the people behind them: packages grouped by source repository (the upstream
 * project), repositories grouped by owner (the entity one would fund), both ranked within one scan.
 *
 * The ranking formula (also in docs/supply-chain.md), per upstream project:
 *
 *   proximity = 1 / minDepth          1 when the product asks for it directly, ½ one step further…
 *   breadth   = log2(1 + packages)    how much of the product's tree the project supplies
 *   reach     = log2(1 + paths)       in how many ways the product pulls it in (sum over its packages)
 *   score     = (4·proximity + 2·breadth + reach) × (½ if every package is dev-only, else 1)
 *
 * Logarithms keep a project with hundreds of packages or millions of paths (npm trees) from drowning
 * everything else; proximity weighs most because a direct dependency is a choice the product made.
 * Ties go to more packages, then to the key in alphabetical order, so the order is stable.
 */
import type { Component } from './graph.ts';
import { unversioned } from './purl.ts';
import { repositoryOwner } from './repository.ts';

export type ScoreTerms = { proximity: number; breadth: number; reach: number; devFactor: number };

export type UpstreamProject = {
  rank: number;
  /** The repository, or for a package with no known repository its purl without version. */
  key: string;
  repository: string | null;
  owner: string | null;
  /** Distinct packages (purls) of the product that come from this project. */
  packages: number;
  purls: string[];
  direct: number;
  minDepth: number;
  paths: number;
  isDevOnly: boolean;
  funding: string[];
  score: number;
  terms: ScoreTerms;
};

export type UpstreamOwner = {
  rank: number;
  owner: string;
  repositories: string[];
  packages: number;
  funding: string[];
  /** Sum of its projects' scores: an owner of many relied-on projects ranks above an owner of one. */
  score: number;
};

const round = (value: number) => Math.round(value * 100) / 100;

export function scoreProject(minDepth: number, packages: number, paths: number, isDevOnly: boolean): { score: number; terms: ScoreTerms } {
  const terms: ScoreTerms = {
    proximity: round(1 / Math.max(1, minDepth)),
    breadth: round(Math.log2(1 + packages)),
    reach: round(Math.log2(1 + paths)),
    devFactor: isDevOnly ? 0.5 : 1,
  };
  const score = round((4 * (1 / Math.max(1, minDepth)) + 2 * Math.log2(1 + packages) + Math.log2(1 + paths)) * terms.devFactor);
  return { score, terms };
}

export function upstreamProjects(components: Component[]): UpstreamProject[] {
  const groups = new Map<string, Component[]>();
  for (const component of components) {
    const key = component.repository ?? unversioned(component.purl);
    const group = groups.get(key);
    if (group) group.push(component);
    else groups.set(key, [component]);
  }
  const projects: UpstreamProject[] = [...groups].map(([key, members]) => {
    const repository = members[0]?.repository ?? null;
    const minDepth = Math.min(...members.map((c) => c.depth));
    const paths = Math.min(
      2 ** 53,
      members.reduce((sum, c) => sum + c.pathCount, 0),
    );
    const isDevOnly = members.every((c) => c.isDev);
    const { score, terms } = scoreProject(minDepth, members.length, paths, isDevOnly);
    return {
      rank: 0,
      key,
      repository,
      owner: repository ? repositoryOwner(repository) : null,
      packages: members.length,
      purls: members.map((c) => c.purl).sort(),
      direct: members.filter((c) => c.isDirect).length,
      minDepth,
      paths,
      isDevOnly,
      funding: [...new Set(members.flatMap((c) => c.funding))].sort(),
      score,
      terms,
    };
  });
  projects.sort((a, b) => b.score - a.score || b.packages - a.packages || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  projects.forEach((project, i) => {
    project.rank = i + 1;
  });
  return projects;
}

/** Owners of the projects whose repository is known; a package with no repository has no owner to fund. */
export function upstreamOwners(projects: UpstreamProject[]): UpstreamOwner[] {
  const owners = new Map<string, UpstreamOwner>();
  for (const project of projects) {
    if (!project.owner || !project.repository) continue;
    const owner = owners.get(project.owner) ?? { rank: 0, owner: project.owner, repositories: [], packages: 0, funding: [], score: 0 };
    owner.repositories.push(project.repository);
    owner.packages += project.packages;
    owner.funding = [...new Set([...owner.funding, ...project.funding])].sort();
    owner.score = round(owner.score + project.score);
    owners.set(project.owner, owner);
  }
  const ranked = [...owners.values()].sort((a, b) => b.score - a.score || (a.owner < b.owner ? -1 : 1));
  ranked.forEach((owner, i) => {
    owner.rank = i + 1;
    owner.repositories.sort();
  });
  return ranked;
}
