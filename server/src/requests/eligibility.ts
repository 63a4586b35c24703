import type { ProgramPolicy } from '../programs/programs.schemas.ts';
import type { EligibilityCheck } from './requests.schemas.ts';

export type EligibilityFacts = {
  project: {
    licenseExpression: string;
    isOsiApproved: boolean;
    repositoryHost: string;
    repositoryUrl: string;
    foundation: string | null;
    maintainerCount: number;
  } | null;
  otherOpenRequests: number[];
};

// Forges where a repository URL is public unless the forge says otherwise; we cannot ask them from here.
const PUBLIC_FORGES = new Set([
  'github.com',
  'gitlab.com',
  'codeberg.org',
  'bitbucket.org',
  'sr.ht',
  'git.sr.ht',
  'gitea.com',
  'salsa.debian.org',
  'gitlab.freedesktop.org',
  'gitlab.gnome.org',
  'kernel.org',
  'git.kernel.org',
]);

/** The automatic checks shown to applicant and reviewer; each passes, warns or fails with its reason. */
export function checkEligibility(facts: EligibilityFacts, policy: ProgramPolicy): EligibilityCheck[] {
  const checks: EligibilityCheck[] = [];
  const rules = policy.eligibility;
  const project = facts.project;
  if (!project) {
    checks.push({ check: 'project', status: 'fail', reason: 'The request is not linked to a registered project yet.' });
  } else {
    checks.push(
      project.isOsiApproved
        ? { check: 'osi_license', status: 'pass', reason: `${project.licenseExpression}: every licence is OSI-approved.` }
        : {
            check: 'osi_license',
            status: rules.require_osi_license ? 'fail' : 'warn',
            reason: `${project.licenseExpression} includes a licence that is not OSI-approved.`,
          },
    );
    checks.push(
      PUBLIC_FORGES.has(project.repositoryHost)
        ? { check: 'public_repository', status: 'pass', reason: `${project.repositoryUrl} is on a public forge.` }
        : {
            check: 'public_repository',
            status: 'warn',
            reason: `${project.repositoryHost} is not a forge Surplus knows; check that ${project.repositoryUrl} is public.`,
          },
    );
    if (rules.foundations.length > 0) {
      const isMember =
        project.foundation !== null && rules.foundations.some((name) => name.toLowerCase() === project.foundation?.toLowerCase());
      checks.push({
        check: 'foundation',
        status: isMember ? 'pass' : 'fail',
        reason: isMember
          ? `Member of ${project.foundation}.`
          : `The program requires one of: ${rules.foundations.join(', ')}; the project lists ${project.foundation ?? 'none'}.`,
      });
    }
    if (rules.min_maintainers > 0) {
      const isEnough = project.maintainerCount >= rules.min_maintainers;
      checks.push({
        check: 'maintainers',
        status: isEnough ? 'pass' : 'fail',
        reason: `${project.maintainerCount} maintainer(s) registered; the program asks for at least ${rules.min_maintainers}.`,
      });
    }
  }
  checks.push(
    facts.otherOpenRequests.length === 0
      ? { check: 'no_other_open_request', status: 'pass', reason: 'No other open request from this project to this program.' }
      : {
          check: 'no_other_open_request',
          status: 'fail',
          reason: `Request${facts.otherOpenRequests.length > 1 ? 's' : ''} ${facts.otherOpenRequests.map((n) => `#${n}`).join(', ')} from this project ${facts.otherOpenRequests.length > 1 ? 'are' : 'is'} still open.`,
        },
  );
  return checks;
}

export function isEligible(checks: EligibilityCheck[]): boolean {
  return checks.every((check) => check.status !== 'fail');
}
