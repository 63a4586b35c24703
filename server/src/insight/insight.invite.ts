/**
 * The invitation to apply that goes to an upstream project the program does not support yet: one
 * text, sent as an email or prepared as an issue for the project's own tracker. It says how many of
 * our products depend on the project, never which: the portfolio is the sponsor's business.
 */

type Forge = 'github' | 'gitlab' | 'codeberg' | 'bitbucket';
const FORGES: Record<string, Forge> = {
  'github.com': 'github',
  'gitlab.com': 'gitlab',
  'codeberg.org': 'codeberg',
  'bitbucket.org': 'bitbucket',
};

/** The forge a repository (`host/owner/repo`) lives on, when it is one whose issue form we can link to. */
export function gitHostOf(repository: string): Forge | null {
  const host = repository.split('/')[0] ?? '';
  return FORGES[host] ?? null;
}

/** A link that opens the forge's new-issue form already filled in, or null where we know no such form. */
export function newIssueUrl(repository: string, title: string, body: string): string | null {
  const forge = gitHostOf(repository);
  const base = `https://${repository}`;
  // Browsers and forges refuse very long URLs; past this the reader copies the prepared text instead.
  const limitBody = body.length > 6000 ? `${body.slice(0, 6000)}\n…` : body;
  switch (forge) {
    case 'github':
    case 'codeberg':
      return `${base}/issues/new?${new URLSearchParams({ title, body: limitBody })}`;
    case 'gitlab':
      return `${base}/-/issues/new?${new URLSearchParams({ 'issue[title]': title, 'issue[description]': limitBody })}`;
    default:
      return null;
  }
}

export type InvitationFacts = {
  projectName: string;
  repository: string;
  products: number;
  packages: number;
  /** A few of its packages by name, for the maintainers to recognize what we use. */
  packageNames: string[];
  program: { name: string; githubRepository: string | null } | null;
  /** Where a maintainer signs up, registers the project and asks for servers. */
  applyUrl: string;
  senderName: string;
  message: string | null;
};

export function invitationText(facts: InvitationFacts): { subject: string; body: string } {
  const programName = facts.program?.name ?? 'our open source partner program';
  const subject = `An invitation to apply to ${programName}: bare-metal servers for ${facts.projectName}`;
  const products = facts.products === 1 ? 'one of our products depends' : `${facts.products} of our products depend`;
  const packages =
    facts.packageNames.length > 0
      ? ` (${facts.packages === 1 ? 'the package' : `${facts.packages} packages, among them`} ${facts.packageNames.join(', ')})`
      : '';
  const lines = [
    `Hello ${facts.projectName} maintainers,`,
    '',
    `We run ${programName}, which gives open source projects free bare-metal servers and network: for CI/CD and benchmarking, labs and workshops, or hosting.`,
    '',
    `${capitalize(products)} on ${facts.repository}${packages}. We would like to support the projects we rely on, and yours is among the ones our program does not support yet.`,
  ];
  if (facts.message) lines.push('', facts.message.trim());
  lines.push(
    '',
    `If servers would help the project, you can apply here: ${facts.applyUrl} (sign up, register the project, ask for servers).`,
  );
  if (facts.program?.githubRepository)
    lines.push(`You can also apply with an issue at https://github.com/${facts.program.githubRepository}/issues/new.`);
  lines.push('', 'Thank you for your work.', '', `${facts.senderName}, ${programName}`);
  return { subject, body: lines.join('\n') };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
