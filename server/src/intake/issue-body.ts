import { normalizeRepositoryUrl, type RepositoryRef } from '../projects/repository-url.ts';

/**
 * Reads a GitHub issue written from a "cluster request" template (the CNCF community cluster's issue
 * form: `### ` headings with the answers below them) or from its older Markdown variants (bold labels,
 * "Label: value" lines, bullet lists, plain prose). Pure: the catalog comes in, nothing goes out but
 * the result, and no input makes it throw.
 */

/** The parts of the catalog intake matches against (a `CatalogSnapshot` fits). */
export type IntakeCatalog = {
  plans: ReadonlyMap<string, { slug: string }>;
  metros: ReadonlyMap<string, { code: string; name: string }>;
  operatingSystems: ReadonlyMap<string, { slug: string; name: string; distro: string; version: string }>;
};

export type ParsedLine = {
  plan: string | null;
  quantity: number;
  metro: string | null;
  operating_system: string | null;
  /** What the line said that matched no plan (or OS) in the catalog: kept for reviewers, never dropped. */
  unmatched: string | null;
};

export const REQUIRED_FIELDS = ['name', 'email', 'project', 'description', 'machines', 'open_source_url'] as const;
export type RequiredField = (typeof REQUIRED_FIELDS)[number];
export type MissingField = { field: RequiredField; message: string };

export type ParsedIssue = {
  contact: { name: string | null; email: string | null; organization: string | null };
  project: { title: string | null; description: string | null };
  /** Every link given as the project's open source location, in order. */
  projectUrls: string[];
  /** Those links that name a repository, forges first: what linking to a Surplus project tries. */
  repositories: RepositoryRef[];
  resources: ParsedLine[];
  /** The answers Surplus does not model but a reviewer wants to read (OS and networking, association…). */
  extras: { label: string; text: string }[];
  missing: MissingField[];
};

/** GitHub caps an issue body at 65,536 characters; anything longer is not a real issue. */
const MAX_BODY_CHARS = 65_536;
const MAX_LINES = 50;
const MAX_QUANTITY = 1000;
const MAX_UNMATCHED_CHARS = 300;

type Field =
  | 'name'
  | 'first_name'
  | 'last_name'
  | 'email'
  | 'organization'
  | 'project'
  | 'description'
  | 'urls'
  | 'association'
  | 'machines'
  | 'os'
  | 'metro'
  | 'contributions'
  | 'other'
  | 'ignored';

type Section = { field: Field; label: string; text: string };

const EXTRA_LABELS: Partial<Record<Field, string>> = {
  association: 'Association with the project',
  os: 'Operating system and networking',
  metro: 'Location',
  contributions: 'Contributions to open source',
  other: 'Other details',
};

export function parseIssueBody(body: string, catalog: IntakeCatalog, options: { issueTitle?: string } = {}): ParsedIssue {
  const text = normalize(typeof body === 'string' ? body : '');
  const { sections, loose } = splitSections(text);
  const byField = (field: Field) =>
    sections
      .filter((section) => section.field === field)
      .map((section) => section.text)
      .filter((value) => !isNoAnswer(value))
      .join('\n\n')
      .trim();
  const has = (field: Field) => sections.some((section) => section.field === field);
  // Everything people wrote (not the template's questions): the fallback when a body has no sections.
  const allAnswers = [loose, ...sections.map((section) => section.text)].filter((value) => !isNoAnswer(value)).join('\n\n');

  const missing: MissingField[] = [];

  // Contact
  let name = firstLine(byField('name'));
  if (!name) name = [firstLine(byField('first_name')), firstLine(byField('last_name'))].filter(Boolean).join(' ') || null;
  name = name ? cleanName(name) : null;
  if (!name) missing.push({ field: 'name', message: 'Name: not answered.' });

  const emailAnswer = byField('email');
  let email = findEmail(emailAnswer);
  if (!email && !emailAnswer) email = findEmail(allAnswers);
  if (!email) {
    missing.push({
      field: 'email',
      message: emailAnswer
        ? `Email: "${clip(firstLine(emailAnswer) ?? emailAnswer, 80)}" is not an email address.`
        : 'Email: not answered.',
    });
  }
  const organization = cleanInline(firstLine(byField('organization')) ?? '') || null;

  // Project
  let title = cleanInline(firstLine(byField('project')) ?? '');
  if (!title && options.issueTitle) title = titleFromIssue(options.issueTitle);
  if (!title) missing.push({ field: 'project', message: 'Project title: not answered.' });
  let description = byField('description');
  // A free-form request with no recognizable questions: the whole text is its description.
  if (!description && sections.length === 0) description = loose.trim();
  if (!description) missing.push({ field: 'description', message: 'Project description: not answered.' });

  // Open source URLs
  const urlAnswer = byField('urls');
  const projectUrls = findUrls(has('urls') ? urlAnswer : allAnswers);
  if (projectUrls.length === 0) {
    missing.push({
      field: 'open_source_url',
      message: urlAnswer
        ? 'Open source project URL: no link found in the answer; give the repository URL (e.g. https://github.com/owner/repo).'
        : 'Open source project URL: not answered; give the repository URL (e.g. https://github.com/owner/repo).',
    });
  }
  const repositories = repositoriesIn(projectUrls);

  // Machines
  const matcher = new CatalogMatcher(catalog);
  const machinesAnswer = byField('machines');
  const osAnswer = byField('os');
  const metroAnswer = byField('metro');
  const defaults = {
    operatingSystem: matcher.findOs(osAnswer || (has('os') ? '' : allAnswers)) ?? matcher.findOs(machinesAnswer),
    metro: matcher.singleMetro([metroAnswer, machinesAnswer, osAnswer].join('\n')),
  };
  let resources: ParsedLine[] = [];
  if (machinesAnswer) {
    const read = readMachines(machinesAnswer, matcher, defaults, true);
    resources = read.lines;
    if (!read.hasPlan) {
      if (resources.length === 0) resources = [unreadableLine(machinesAnswer, defaults)];
      missing.push({
        field: 'machines',
        message: `Machines: no plan from the catalog found in "${clip(oneLine(machinesAnswer), 120)}"; name a plan and a count, e.g. "2 x c3.small.x86".`,
      });
    }
  } else {
    const read = has('machines') ? { lines: [], hasPlan: false } : readMachines(allAnswers, matcher, defaults, false);
    resources = read.lines;
    if (!read.hasPlan)
      missing.push({ field: 'machines', message: 'Machines: not answered; name a plan and a count, e.g. "2 x c3.small.x86".' });
  }

  const extras: ParsedIssue['extras'] = [];
  for (const field of ['association', 'os', 'metro', 'contributions', 'other'] as const) {
    const value = byField(field);
    if (value) extras.push({ label: EXTRA_LABELS[field] as string, text: value });
  }

  return {
    contact: { name, email, organization },
    project: { title: title || null, description: description || null },
    projectUrls,
    repositories,
    resources,
    extras,
    missing,
  };
}

// ---------------------------------------------------------------------------------------------------
// Sections

function normalize(body: string): string {
  return body
    .slice(0, MAX_BODY_CHARS)
    .replace(/\r\n?/g, '\n')
    .replace(/<!--[\s\S]*?(?:-->|$)/g, '')
    .replace(/[\u200b-\u200d\ufeff]/g, '')
    .replace(/\u00a0/g, ' ');
}

const HEADING = /^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$/;
// "**Name:** Jane", "- **Name**: Jane", "__Email:__", "**What OS do you need?**"
const BOLD_LABEL = /^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?:\*\*|__)([^*_\n]{1,300}?)(?:\*\*|__)\s*(:?)\s*(.*)$/;
// Plain "Label: value" lines are only labels when the label is one a template would use; otherwise
// prose such as "Note: we also…" would cut a description in two.
const PLAIN_LABEL =
  /^\s*(?:[-*+]\s+|\d+[.)]\s+)?((?:full |first |last |contact )?name|contact|e-?mail(?: address)?|organi[sz]ation(?:\s*\/\s*company)?|company(?:\s*\/\s*organi[sz]ation)?|affiliation|project(?: title| name)?|title|(?:project )?description|summary|repo(?:sitory|sitories)?(?: urls?)?|(?:project |source |open source )?urls?|links?|source code|github|machines?|servers?|hardware|nodes|resources|plans?|os|operating systems?|networking|location|metro|facility)\s*:\s*(.*)$/i;

function splitSections(text: string): { sections: Section[]; loose: string } {
  const sections: Section[] = [];
  const looseLines: string[] = [];
  let current: { field: Field; label: string; lines: string[] } | null = null;
  const close = () => {
    if (current) sections.push({ field: current.field, label: current.label, text: current.lines.join('\n').trim() });
    current = null;
  };
  let isInFence = false;
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) isInFence = !isInFence;
    const label = isInFence ? null : labelOf(line);
    if (label) {
      close();
      current = { field: label.field, label: label.label, lines: label.rest ? [label.rest] : [] };
    } else if (current) {
      (current as { lines: string[] }).lines.push(line);
    } else {
      looseLines.push(line);
    }
  }
  close();
  return { sections, loose: looseLines.join('\n') };
}

function labelOf(line: string): { field: Field; label: string; rest: string } | null {
  if (line.length > 2000) return null;
  const heading = HEADING.exec(line);
  if (heading) {
    const label = heading[1] as string;
    // A template heading always starts a section; one Surplus does not know holds "other details".
    return { field: classifyLabel(label) ?? 'other', label, rest: '' };
  }
  const bold = BOLD_LABEL.exec(line);
  if (bold) {
    const label = (bold[1] as string).trim();
    const hasColon = bold[2] === ':' || label.endsWith(':');
    const isQuestion = label.endsWith('?');
    const rest = (bold[3] as string).trim();
    const field = classifyLabel(label);
    // Bold text in the middle of prose ("**Important** we…") is emphasis, not a question.
    if (field && (hasColon || isQuestion || rest === '')) return { field, label, rest: stripTemplateHint(rest) };
    return null;
  }
  const plain = PLAIN_LABEL.exec(line);
  if (plain) {
    const field = classifyLabel(plain[1] as string);
    if (field) return { field, label: plain[1] as string, rest: (plain[2] as string).trim() };
  }
  return null;
}

/** Old Markdown templates put hints after the label: "**Project Title:** (1 short sentence)". */
function stripTemplateHint(rest: string): string {
  return rest.replace(/^\((?:\d[-–]?\d?\s+)?(?:short\s+)?(?:sentences?|words?|optional|required)[^)]*\)\s*/i, '');
}

/** Which answer a template question asks for, from the words people use in such questions. */
export function classifyLabel(raw: string): Field | null {
  const label = raw
    .toLowerCase()
    // Template hints in parentheses ("(see: https://…)", "(i.e., a summary of …)") would mislead.
    .replace(/\([^)]*\)?/g, ' ')
    .replace(/<?https?:\/\/\S+/g, ' ')
    .replace(/[*_`]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (!label) return null;
  if (/e-?mail/.test(label)) return 'email';
  if (/first and last name|full name|your name/.test(label)) return 'name';
  if (/\b(first|given) name\b/.test(label)) return 'first_name';
  if (/\b(last|family) name\b|\bsurname\b/.test(label)) return 'last_name';
  if (/\bjob title\b|\byour (role|position)\b/.test(label)) return 'ignored';
  // Questions about earlier requests and plans for the results mention machines and code in passing.
  if (
    /in the past|previous|\bprior\b|denied|have you (ever )?requested|how long|duration|timeline|until when|start date|publish/.test(label)
  )
    return 'other';
  if (/^project (title|name)\b|^title$|^project$/.test(label)) return 'project';
  if (
    /purpose|use case|describe the project|description|summary|what (does|is) (the|your) project|use (the |these )?(servers|machines|hardware) for/.test(
      label,
    )
  )
    return 'description';
  if (/machine|server|hardware|\bnodes?\b|instances?|how many|\bplans?\b|\bcluster size\b/.test(label)) return 'machines';
  if (/\bos\b|operating system|networking|\bdistro/.test(label)) return 'os';
  if (/\burls?\b|\blocated\b|\brepo(sitory|sitories)?\b|\blinks?\b|\bgithub\b|\bgitlab\b|source code/.test(label)) return 'urls';
  if (/associat|relationship|role in|\bmaintainer\b/.test(label)) return 'association';
  if (/\bproject\b.*\b(title|name)\b/.test(label)) return 'project';
  if (/organi[sz]ation|company|employer|affiliation|\bfoundation\b/.test(label)) return 'organization';
  if (/\bname\b|^contact$/.test(label)) return 'name';
  if (/contribution/.test(label)) return 'contributions';
  if (/\bmetro\b|\blocation\b|\bregion\b|data ?cent(er|re)|\bfacility\b|\bwhere\b/.test(label)) return 'metro';
  if (/\bother\b|details|anything else|\bnotes?\b|\bcomments?\b|additional/.test(label)) return 'other';
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Values

const NO_ANSWER = /^(?:_?no response_?|n\/?a|none|nil|null|-+|tbd|tba|\.+|…|no|nope|not applicable|not yet|\?+)\.?$/i;

function isNoAnswer(value: string): boolean {
  const trimmed = value.trim();
  return trimmed === '' || NO_ANSWER.test(trimmed);
}

function firstLine(value: string): string | null {
  for (const line of value.split('\n')) {
    const cleaned = line.replace(/^\s*(?:[-*+>]\s+|\d+[.)]\s+)*/, '').trim();
    if (cleaned && !isNoAnswer(cleaned)) return cleaned;
  }
  return null;
}

function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

function clip(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

/** Markdown and links reduced to their words: "[Foo](https://foo.io)" → "Foo". */
function cleanInline(value: string): string {
  const cleaned = value
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<\/?[a-z][^>]*>/gi, '')
    .replace(/(\*\*|__|`)/g, '')
    .replace(/^[*_]+|[*_]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return isNoAnswer(cleaned) ? '' : clip(cleaned, 200);
}

function cleanName(value: string): string | null {
  const cleaned = cleanInline(value)
    .replace(/<[^>]*>/g, '')
    .replace(/\(?\s*(?:mailto:)?[^\s@()<>]+@[^\s@()<>]+\s*\)?/g, '')
    .replace(/\(\s*@?[\w-]+\s*\)$/, (match) => (match.includes('@') ? '' : match))
    .replace(/[,;:-]+$/, '')
    .trim();
  return cleaned && !isNoAnswer(cleaned) ? cleaned : null;
}

const EMAIL = /(?:mailto:)?([A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24})/;

function findEmail(value: string): string | null {
  const match = EMAIL.exec(value);
  return match ? (match[1] as string).toLowerCase().replace(/\.+$/, '') : null;
}

/** Issue titles from the template look like "[Cluster Request]: Foo"; the project is what follows. */
function titleFromIssue(title: string): string {
  const cleaned = title
    .replace(/^\s*\[[^\]]*\]\s*:?\s*/, '')
    .replace(/^\s*(?:cluster|server|hardware|infrastructure|resource)?\s*request\s*(?:for|:|-|–)?\s*/i, '')
    .trim();
  return cleanInline(cleaned);
}

const FORGES = new Set([
  'github.com',
  'gitlab.com',
  'codeberg.org',
  'bitbucket.org',
  'git.sr.ht',
  'sr.ht',
  'gitea.com',
  'salsa.debian.org',
]);
const URL_PATTERN =
  /\bhttps?:\/\/[^\s<>()[\]"'`]+|(?<![\w.@/-])(?:www\.)?(?:github\.com|gitlab\.com|codeberg\.org|bitbucket\.org|git\.sr\.ht)\/[\w.~-]+\/[\w.~-]+/gi;

function findUrls(value: string): string[] {
  const seen = new Set<string>();
  const urls: string[] = [];
  for (const match of value.matchAll(URL_PATTERN)) {
    let url = match[0].replace(/[.,;:!?*_>]+$/, '');
    if (!/^https?:\/\//i.test(url)) url = `https://${url}`;
    const key = url.toLowerCase().replace(/\/+$/, '');
    if (seen.has(key)) continue;
    seen.add(key);
    urls.push(url);
  }
  return urls;
}

function repositoriesIn(urls: string[]): RepositoryRef[] {
  const found = new Map<string, RepositoryRef>();
  for (const url of urls) {
    const ref = normalizeRepositoryUrl(url);
    if ('error' in ref) continue;
    const key = ref.url.toLowerCase();
    if (!found.has(key)) found.set(key, ref);
  }
  const refs = [...found.values()];
  return [...refs.filter((ref) => FORGES.has(ref.host)), ...refs.filter((ref) => !FORGES.has(ref.host))];
}

// ---------------------------------------------------------------------------------------------------
// Machines

const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  single: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  couple: 2,
  'a couple of': 2,
  'a pair of': 2,
  'pair of': 2,
  dozen: 12,
  'a dozen': 12,
};
const WORDS = Object.keys(NUMBER_WORDS)
  .sort((a, b) => b.length - a.length)
  .map((word) => word.replaceAll(' ', '\\s+'))
  .join('|');
const NOUN = '(?:nodes?|servers?|machines?|instances?|boxes|hosts?|systems?|units?)';
const ADJECTIVE = '(?:more|additional|extra|dedicated|bare[- ]?metal|physical|new|identical)';
// The count right before a plan: "5 nodes ", "2x ", "three ", "1 x ", "4 nodes of type ", "a couple of ".
const COUNT_BEFORE = new RegExp(
  `(?:^|[^\\w.])(\\d{1,6}|${WORDS})\\s*(?:x|×|\\*)?\\s*(?:${ADJECTIVE}\\s+){0,3}(?:${NOUN}\\s*)?(?:(?:of|with)\\s+)?(?:(?:the|type|plan|size|flavou?r)\\s*:?\\s*){0,2}(?:[-–:(]\\s*)?$`,
  'i',
);
// The count right after a plan: " x 5", " (x2)", ": 3", " - 3 nodes", " 3 nodes".
const COUNT_AFTER = [
  /^\s*(?:x|×|\*)\s*(\d{1,6})\b/i,
  /^\s*\(\s*(?:x|×)?\s*(\d{1,6})\s*(?:x|nodes?|servers?|machines?|instances?)?\s*\)/i,
  /^\s*[:=–-]\s*(?:x|×)?\s*(\d{1,6})\b(?!\s*(?:gb|tb|g\b|t\b|cores?|cpus?|vcpus?|%|gbps|mbps|\.\d))/i,
  new RegExp(`^\\s*(?:x|×)?\\s*(\\d{1,6})\\s*${NOUN}\\b`, 'i'),
];
// A line asking for machines without naming a plan: "3 bare metal servers with 64 GB".
const COUNT_OF_MACHINES = new RegExp(
  `(?:^|[^\\w.])(\\d{1,6}|${WORDS})\\s*(?:x|×)?\\s*(?:(?:${ADJECTIVE}|large|small|medium|big|beefy|arm|arm64|x86|gpu|amd|intel|storage|compute)\\s+){0,3}${NOUN}\\b`,
  'i',
);
// Plan-shaped names, known or not: c3.small.x86, m3.large, c2.large.arm, n2.xlarge.x86, t1.small.
const PLAN_SHAPE =
  /(?<![\w.-])([a-z]{1,3}\d{1,2}[a-z]?\.(?:nano|micro|tiny|small|medium|large|\d*xlarge|mega|giga|huge)(?:\.(?:x86_64|x86|amd64|arm64|aarch64|arm))?)(?![\w-])|(?<![\w.-])(baremetal_\w{1,4}|type\s?[0-4][a-z]?)(?![\w-])/gi;

type Defaults = { operatingSystem: Found | null; metro: string | null };
type Found = { slug: string | null; text: string };

function readMachines(
  text: string,
  matcher: CatalogMatcher,
  defaults: Defaults,
  isMachinesAnswer: boolean,
): { lines: ParsedLine[]; hasPlan: boolean } {
  const lines: ParsedLine[] = [];
  let hasPlan = false;
  for (const rawLine of text.slice(0, 20_000).split('\n')) {
    if (lines.length >= MAX_LINES) break;
    const line = rawLine.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/(\*\*|__|`)/g, '');
    const mentions = matcher.findPlans(line);
    if (mentions.length === 0) {
      if (!isMachinesAnswer) continue;
      const machines = COUNT_OF_MACHINES.exec(line);
      if (!machines) continue;
      const quantity = quantityOf(machines[1] as string);
      lines.push({
        plan: null,
        quantity: quantity ?? 1,
        metro: matcher.firstMetro(line) ?? defaults.metro,
        operating_system: (matcher.findOs(line) ?? defaults.operatingSystem)?.slug ?? null,
        unmatched: clip(cleanUnmatched(line), MAX_UNMATCHED_CHARS),
      });
      continue;
    }
    hasPlan = true;
    let consumed = 0;
    for (let index = 0; index < mentions.length && lines.length < MAX_LINES; index++) {
      const mention = mentions[index] as PlanMention;
      const nextStart = mentions[index + 1]?.start ?? line.length;
      const prefixStart = Math.max(consumed, mention.start - 80);
      const prefix = line.slice(prefixStart, mention.start);
      let phraseStart = mention.start;
      let phraseEnd = mention.end;
      let quantity: number | null = null;
      const before = COUNT_BEFORE.exec(prefix);
      if (before) {
        quantity = quantityOf(before[1] as string);
        phraseStart = prefixStart + before.index + (before[0].length - before[0].trimStart().length);
      }
      const suffix = line.slice(mention.end, nextStart);
      if (quantity === null) {
        for (const pattern of COUNT_AFTER) {
          const after = pattern.exec(suffix);
          if (after) {
            quantity = quantityOf(after[1] as string);
            phraseEnd = mention.end + after[0].length;
            break;
          }
        }
      }
      const hasBadCount = quantity === null && (before !== null || phraseEnd !== mention.end);
      const ownPrefix = line.slice(consumed, mention.start);
      const metro = matcher.firstMetro(suffix) ?? matcher.lastMetro(ownPrefix) ?? matcher.firstMetro(line) ?? defaults.metro;
      const os = matcher.findOs(suffix) ?? matcher.findOs(ownPrefix) ?? defaults.operatingSystem;
      const unmatched: string[] = [];
      if (!mention.slug || hasBadCount) unmatched.push(cleanUnmatched(line.slice(phraseStart, phraseEnd)));
      if (os && !os.slug) unmatched.push(`operating system "${os.text}"`);
      lines.push({
        plan: mention.slug,
        quantity: quantity ?? 1,
        metro,
        operating_system: os?.slug ?? null,
        unmatched: unmatched.length ? clip(unmatched.join('; '), MAX_UNMATCHED_CHARS) : null,
      });
      consumed = phraseEnd;
    }
  }
  return { lines, hasPlan };
}

function unreadableLine(text: string, defaults: Defaults): ParsedLine {
  return {
    plan: null,
    quantity: 1,
    metro: defaults.metro,
    operating_system: defaults.operatingSystem?.slug ?? null,
    unmatched: clip(cleanUnmatched(text), MAX_UNMATCHED_CHARS),
  };
}

function cleanUnmatched(text: string): string {
  return oneLine(text.replace(/^\s*(?:[-*+>]\s+|\d+[.)]\s+)*/, ''));
}

/** A count within 1–1000, or null when there is none that a request could hold. */
function quantityOf(token: string): number | null {
  const word = token.toLowerCase().replace(/\s+/g, ' ');
  const value = /^\d+$/.test(word) ? Number(word) : (NUMBER_WORDS[word] ?? null);
  return value !== null && value >= 1 && value <= MAX_QUANTITY ? value : null;
}

// ---------------------------------------------------------------------------------------------------
// Catalog matching

type PlanMention = { start: number; end: number; text: string; slug: string | null };

// Facility codes people still write (Packet's ewr1, sjc1, dfw2 …) and other names of cities, mapped to
// metro codes; used only when that metro is in the catalog. Three-letter codes are English words too
// ("sin", "sea"), so they count only in capitals or with a facility number.
const FACILITY_CODES: Record<string, string> = {
  dfw: 'da',
  sjc: 'sv',
  ewr: 'ny',
  ams: 'am',
  fra: 'fr',
  sin: 'sg',
  nrt: 'ty',
  lax: 'la',
  ord: 'ch',
  sea: 'se',
  syd: 'sy',
  iad: 'dc',
  lhr: 'ld',
  par: 'pa',
  tor: 'tr',
};
const CITY_NAMES: Record<string, string> = {
  dallas: 'da',
  'san jose': 'sv',
  'bay area': 'sv',
  nyc: 'ny',
  'new york city': 'ny',
  tokyo: 'ty',
  'los angeles': 'la',
  chicago: 'ch',
  seattle: 'se',
  sydney: 'sy',
  ashburn: 'dc',
  'washington dc': 'dc',
  london: 'ld',
  paris: 'pa',
  toronto: 'tr',
};

// Distros named in other ways than their catalog key.
const DISTRO_ALIASES: Record<string, string> = {
  almalinux: 'alma(?:[\\s-]*linux)?',
  rocky: 'rocky(?:[\\s-]*linux)?',
  nixos: 'nix[\\s-]*os',
  flatcar: 'flatcar(?:[\\s-]*container[\\s-]*linux)?',
  alpine: 'alpine(?:[\\s-]*linux)?',
  talos: 'talos(?:[\\s-]*linux)?',
  freebsd: 'free[\\s-]*bsd',
  ubuntu: 'ubuntu(?:[\\s-]*(?:server|lts))?',
  debian: 'debian(?:[\\s-]*gnu/linux)?',
  custom_ipxe: '(?:custom[\\s_-]*)?ipxe',
};
const CODENAMES: Record<string, string> = {
  focal: '20.04',
  jammy: '22.04',
  noble: '24.04',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
};
// Systems people ask for that the catalog may not carry: worth flagging rather than ignoring.
const OTHER_SYSTEMS =
  /\b(centos(?:[\s-]*stream)?|fedora(?:[\s-]*coreos)?|rhel|red\s*hat(?:\s*enterprise\s*linux)?|windows(?:\s*server)?|opensuse|suse|sles|arch\s*linux|gentoo|openbsd|netbsd|illumos|smartos|proxmox|esxi|coreos)(?:[\s-]*v?(\d+(?:\.\d+)*))?\b/i;

class CatalogMatcher {
  private readonly slugs: Map<string, string>;
  private readonly metroPatterns: { code: string; pattern: RegExp }[];
  private readonly distros: { pattern: RegExp; systems: { slug: string; version: string }[] }[];

  constructor(catalog: IntakeCatalog) {
    this.slugs = new Map([...catalog.plans.keys()].map((slug) => [slug.toLowerCase(), slug]));
    this.metroPatterns = [];
    for (const metro of catalog.metros.values()) {
      const code = escapeRegExp(metro.code.toLowerCase());
      const names = [metro.name.toLowerCase(), ...Object.keys(CITY_NAMES).filter((name) => CITY_NAMES[name] === metro.code)].map((name) =>
        escapeRegExp(name).replace(/\s+/g, '\\s+'),
      );
      const facilities = Object.keys(FACILITY_CODES).filter((facility) => FACILITY_CODES[facility] === metro.code);
      this.metroPatterns.push({ code: metro.code, pattern: new RegExp(`\\b(?:${names.join('|')})\\b`, 'gi') });
      // Two-letter codes are English words too ("am"): a code counts in capitals, with a facility
      // number (da11, ewr1), or right after "in"/"metro"/"location".
      const upper = [code, ...facilities].map((text) => text.toUpperCase()).join('|');
      const lower = [code, ...facilities].join('|');
      this.metroPatterns.push({ code: metro.code, pattern: new RegExp(`\\b(?:${upper})\\d{0,2}\\b`, 'g') });
      this.metroPatterns.push({
        code: metro.code,
        pattern: new RegExp(`\\b(?:${lower})\\d{1,2}\\b|\\b(?:in|metro|region|location|facility)[:\\s]+(?:${code})\\b`, 'gi'),
      });
    }
    const byDistro = new Map<string, { slug: string; version: string }[]>();
    for (const os of catalog.operatingSystems.values()) {
      const systems = byDistro.get(os.distro.toLowerCase()) ?? [];
      systems.push({ slug: os.slug, version: os.version.toLowerCase() });
      byDistro.set(os.distro.toLowerCase(), systems);
    }
    this.distros = [...byDistro.entries()].map(([distro, systems]) => ({
      pattern: new RegExp(`\\b(?:${DISTRO_ALIASES[distro] ?? escapeRegExp(distro).replaceAll('_', '[\\s_-]*')})`, 'gi'),
      systems,
    }));
  }

  findPlans(line: string): PlanMention[] {
    const mentions: PlanMention[] = [];
    for (const match of line.matchAll(PLAN_SHAPE)) {
      const text = match[0];
      mentions.push({ start: match.index, end: match.index + text.length, text, slug: this.resolvePlan(text) });
    }
    // Catalog plans whose slug is not plan-shaped (an operator may name one "gpu-box").
    for (const [lower, slug] of this.slugs) {
      if (PLAN_SHAPE.test(lower)) {
        PLAN_SHAPE.lastIndex = 0;
        continue;
      }
      PLAN_SHAPE.lastIndex = 0;
      const pattern = new RegExp(`(?<![\\w.-])${escapeRegExp(lower)}(?![\\w-])`, 'gi');
      for (const match of line.matchAll(pattern)) {
        if (!mentions.some((mention) => match.index < mention.end && mention.start < match.index + match[0].length))
          mentions.push({ start: match.index, end: match.index + match[0].length, text: match[0], slug });
      }
    }
    return mentions.sort((a, b) => a.start - b.start);
  }

  private resolvePlan(text: string): string | null {
    const token = text
      .toLowerCase()
      .replace(/\.(?:x86_64|amd64)$/, '.x86')
      .replace(/\.(?:arm|aarch64)$/, '.arm64');
    const exact = this.slugs.get(token);
    if (exact) return exact;
    if (token.split('.').length === 2) {
      const candidates = [...this.slugs.entries()].filter(([slug]) => slug.startsWith(`${token}.`));
      if (candidates.length === 1) return (candidates[0] as [string, string])[1];
    }
    return null;
  }

  private metrosIn(text: string): { index: number; code: string }[] {
    const found: { index: number; code: string }[] = [];
    for (const { code, pattern } of this.metroPatterns) {
      for (const match of text.matchAll(pattern)) found.push({ index: match.index, code });
    }
    return found.sort((a, b) => a.index - b.index);
  }

  firstMetro(text: string): string | null {
    return this.metrosIn(text)[0]?.code ?? null;
  }

  lastMetro(text: string): string | null {
    return this.metrosIn(text).at(-1)?.code ?? null;
  }

  /** The metro when the text names exactly one; several named without saying which line is whose → none. */
  singleMetro(text: string): string | null {
    const codes = new Set(this.metrosIn(text).map((found) => found.code));
    return codes.size === 1 ? ([...codes][0] as string) : null;
  }

  /** The first operating system the text names: a catalog match if any, else what it said. */
  findOs(text: string): Found | null {
    if (!text) return null;
    let unmatched: { index: number; text: string } | null = null;
    const matched: { index: number; slug: string; text: string }[] = [];
    for (const { pattern, systems } of this.distros) {
      for (const match of text.slice(0, 20_000).matchAll(pattern)) {
        const after = text.slice(match.index + match[0].length, match.index + match[0].length + 24);
        const version = /^[\s_-]*(?:(?:linux|server|lts|release)[\s_-]*)?v?(\d+(?:[._]\d+)*|[a-z]+)/i.exec(after);
        let wanted = version ? (version[1] as string).toLowerCase().replaceAll('_', '.') : null;
        if (wanted && CODENAMES[wanted]) wanted = CODENAMES[wanted] as string;
        const isNumeric = wanted !== null && /^\d/.test(wanted);
        const hit =
          wanted === null
            ? null
            : systems.find((system) => {
                const own = system.version.replace(/^v(?=\d)/, '');
                return system.version === wanted || own === wanted || (isNumeric && wanted.startsWith(`${own}.`));
              });
        const spoken = oneLine(match[0] + (version && (isNumeric || hit) ? (version[0] as string) : ''));
        if (hit) matched.push({ index: match.index, slug: hit.slug, text: spoken });
        else if (!isNumeric && systems.length === 1)
          matched.push({ index: match.index, slug: (systems[0] as { slug: string }).slug, text: spoken });
        else if (!unmatched || match.index < unmatched.index) unmatched = { index: match.index, text: spoken };
      }
    }
    matched.sort((a, b) => a.index - b.index);
    if (matched[0]) return { slug: matched[0].slug, text: matched[0].text };
    if (unmatched) return { slug: null, text: unmatched.text };
    const other = OTHER_SYSTEMS.exec(text);
    return other ? { slug: null, text: oneLine(other[0]) } : null;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
