import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { classifyLabel, type IntakeCatalog, type ParsedIssue, parseIssueBody } from './issue-body.ts';

// The seeded catalog (server/migrations/0006-catalog.sql), as CatalogService.snapshot() returns it.
const PLANS = [
  't3.small.x86',
  'c3.small.x86',
  'm3.small.x86',
  'c2.medium.x86',
  'c3.medium.x86',
  'c3.large.arm64',
  's3.xlarge.x86',
  'm3.large.x86',
  'n2.xlarge.x86',
  'n3.xlarge.x86',
  'g2.large.x86',
];
const METROS = [
  ['da', 'Dallas'],
  ['sv', 'Silicon Valley'],
  ['ny', 'New York'],
  ['am', 'Amsterdam'],
  ['fr', 'Frankfurt'],
  ['sg', 'Singapore'],
];
const SYSTEMS = [
  ['almalinux_9', 'AlmaLinux 9', 'almalinux', '9'],
  ['alpine_3', 'Alpine Linux 3', 'alpine', '3'],
  ['custom_ipxe', 'Custom iPXE', 'custom_ipxe', '1'],
  ['debian_12', 'Debian 12 (bookworm)', 'debian', '12'],
  ['flatcar_stable', 'Flatcar Container Linux (stable)', 'flatcar', 'stable'],
  ['freebsd_13', 'FreeBSD 13', 'freebsd', '13'],
  ['nixos_23_05', 'NixOS 23.05', 'nixos', '23.05'],
  ['rocky_9', 'Rocky Linux 9', 'rocky', '9'],
  ['talos_v1', 'Talos Linux v1', 'talos', 'v1'],
  ['ubuntu_22_04', 'Ubuntu 22.04 LTS', 'ubuntu', '22.04'],
];
const catalog: IntakeCatalog = {
  plans: new Map(PLANS.map((slug) => [slug, { slug }])),
  metros: new Map(METROS.map(([code, name]) => [code as string, { code: code as string, name: name as string }])),
  operatingSystems: new Map(
    SYSTEMS.map(([slug, name, distro, version]) => [
      slug as string,
      { slug: slug as string, name: name as string, distro: distro as string, version: version as string },
    ]),
  ),
};

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const parse = (name: string, issueTitle?: string) => parseIssueBody(fixture(name), catalog, { issueTitle });
const missingFields = (parsed: ParsedIssue) => parsed.missing.map((entry) => entry.field);
const line = (plan: string | null, quantity: number, metro: string | null, os: string | null, unmatched: string | null = null) => ({
  plan,
  quantity,
  metro,
  operating_system: os,
  unmatched,
});

describe('issue body: the CNCF cluster request form', () => {
  it('reads every answer of a complete request', () => {
    const parsed = parse('01-form-complete.md');
    assert.deepEqual(parsed.contact, {
      name: 'Jane Doe',
      email: 'jane.doe@kepler-project.io',
      organization: 'Sustainable Computing (CNCF sandbox)',
    });
    assert.equal(parsed.project.title, 'Energy measurement CI for Kepler on real hardware');
    assert.match(parsed.project.description ?? '', /^Kepler exports per-pod energy metrics/);
    assert.match(parsed.project.description ?? '', /published nightly/);
    assert.deepEqual(parsed.projectUrls, ['https://github.com/sustainable-computing-io/kepler']);
    assert.deepEqual(
      parsed.repositories.map((ref) => ref.url),
      ['https://github.com/sustainable-computing-io/kepler'],
    );
    assert.deepEqual(parsed.resources, [line('m3.large.x86', 5, null, 'ubuntu_22_04')]);
    assert.deepEqual(parsed.missing, []);
    assert.deepEqual(
      parsed.extras.map((extra) => extra.label),
      ['Operating system and networking'],
      '"_No response_" is no answer',
    );
  });

  it('splits one answer naming several plans, with the metro said once at the end', () => {
    const parsed = parse('02-form-several-plans.md');
    assert.deepEqual(parsed.resources, [
      line('c3.large.arm64', 1, 'am', 'flatcar_stable'),
      line('m3.small.x86', 2, 'am', 'flatcar_stable'),
    ]);
    assert.equal(parsed.contact.organization, null);
    assert.deepEqual(parsed.projectUrls, ['https://github.com/flatcar/sysext-bakery', 'https://github.com/flatcar/scripts']);
    assert.deepEqual(parsed.missing, []);
  });

  it('reads counts spelled out and metros by city name', () => {
    const parsed = parse('03-form-spelled-count.md');
    assert.deepEqual(parsed.resources, [line('c3.medium.x86', 3, 'da', 'debian_12')]);
    assert.deepEqual(
      parsed.repositories.map((ref) => `${ref.host}/${ref.owner}/${ref.name}`),
      ['github.com/volcano-sh/volcano', 'gitlab.com/hpc-example/volcano-bench'],
    );
    assert.equal(parsed.contact.name, 'María José García');
  });

  it('lists exactly the required answers left empty', () => {
    const parsed = parse('04-form-missing.md');
    assert.deepEqual(missingFields(parsed), ['email', 'open_source_url', 'machines']);
    assert.match(parsed.missing[0]?.message ?? '', /^Email: not answered/);
    assert.match(parsed.missing[1]?.message ?? '', /no link found in the answer/);
    assert.deepEqual(parsed.resources, []);
    assert.equal(parsed.contact.name, 'Sam Okafor');
  });

  it('keeps plans it cannot match as text, with their counts, and flags an OS the catalog lacks', () => {
    const parsed = parse('05-form-unmatched-plans.md');
    const os = 'operating system "Ubuntu 20.04"';
    assert.deepEqual(parsed.resources, [
      line('c3.small.x86', 2, 'da', null, os),
      line(null, 1, 'da', null, `1 x c1.small.x86; ${os}`),
      line('s3.xlarge.x86', 2, 'da', null, os),
      line(null, 4, 'da', null, `4 x x2.xlarge.x86; ${os}`),
    ]);
    assert.equal(parsed.contact.email, 'priya@openmirror.example', 'a mailto link is read as its address');
    assert.deepEqual(parsed.projectUrls, ['https://codeberg.org/openmirror/mirrorsync', 'https://openmirror.example/']);
    assert.deepEqual(
      parsed.repositories.map((ref) => ref.url),
      ['https://codeberg.org/openmirror/mirrorsync'],
    );
    assert.deepEqual(parsed.missing, [], 'an unmatched plan is for reviewers to judge, not a missing answer');
  });

  it('reports answers it cannot read, quoting them, and keeps the machines text', () => {
    const parsed = parse('10-form-unreadable.md');
    assert.deepEqual(missingFields(parsed), ['email', 'description', 'open_source_url', 'machines']);
    assert.equal(parsed.missing[0]?.message, 'Email: "tom at example dot org" is not an email address.');
    assert.match(parsed.missing[3]?.message ?? '', /no plan from the catalog found in "some big servers, as many as possible"/);
    assert.deepEqual(parsed.resources, [line(null, 1, null, null, 'some big servers, as many as possible')]);
    assert.equal(parsed.contact.organization, null, '"N/A" is no answer');
  });
});

describe('issue body: older free-form variants', () => {
  it('reads bold labels, first and last name, template hints and bare forge URLs', () => {
    const parsed = parse('06-old-bold-labels.md');
    assert.deepEqual(parsed.contact, { name: 'Lukas Becker', email: 'lukas.becker@example.org', organization: 'Example GmbH' });
    assert.equal(parsed.project.title, 'Chaos experiments for Litmus on bare metal');
    assert.match(
      parsed.project.description ?? '',
      /^We want to run the Litmus chaos experiment suite against a real Kubernetes cluster on\nbare metal/,
    );
    assert.deepEqual(parsed.projectUrls, ['https://github.com/litmuschaos/litmus']);
    const os = 'operating system "CentOS 7"';
    assert.deepEqual(parsed.resources, [line('c2.medium.x86', 2, 'ny', null, os), line(null, 1, 'ny', null, `1 x t1.small.x86; ${os}`)]);
    assert.deepEqual(parsed.missing, []);
    assert.deepEqual(
      parsed.extras.map((extra) => extra.label),
      ['Operating system and networking', 'Contributions to open source'],
    );
  });

  it('reads "Label: value" lines, angle-bracket links and several plans with their own metros', () => {
    const parsed = parse('07-old-plain-lines.md');
    assert.deepEqual(parsed.contact, { name: 'Ana Lima', email: 'ana.lima@falco.example', organization: 'Falco maintainers' });
    assert.equal(parsed.project.title, 'Falco kernel driver test matrix');
    assert.match(parsed.project.description ?? '', /needs real\nhardware to boot custom kernels/);
    assert.deepEqual(parsed.projectUrls, ['https://github.com/falcosecurity/falco']);
    assert.deepEqual(parsed.resources, [line('m3.large.x86', 4, 'fr', 'custom_ipxe'), line('c3.small.x86', 12, 'fr', 'custom_ipxe')]);
    assert.deepEqual(parsed.missing, []);
  });

  it('reads a bullet list with nested machine bullets', () => {
    const parsed = parse('08-old-bullets.md');
    assert.deepEqual(parsed.contact, { name: 'Chen Wei', email: 'chen.wei@example.cn', organization: 'OpenYurt community' });
    assert.equal(parsed.project.title, 'OpenYurt edge autonomy e2e');
    assert.deepEqual(parsed.resources, [line('c3.small.x86', 2, 'sv', 'rocky_9'), line('t3.small.x86', 6, 'sg', 'rocky_9')]);
    assert.deepEqual(parsed.missing, []);
  });

  it('reads plain prose: the text is the description, the issue title names the project, the name is missing', () => {
    const parsed = parse('09-free-form.md', '[Cluster Request]: Kepler-lite CI machines');
    assert.equal(parsed.project.title, 'Kepler-lite CI machines');
    assert.match(parsed.project.description ?? '', /^Hi CNCF folks/);
    assert.equal(parsed.contact.email, 'jane@kepler-lite.dev');
    assert.deepEqual(parsed.projectUrls, ['https://github.com/example-org/kepler-lite']);
    assert.deepEqual(parsed.resources, [line('c3.small.x86', 2, 'sv', 'ubuntu_22_04')]);
    assert.deepEqual(missingFields(parsed), ['name']);
  });

  it('reports everything missing for an empty body, and uses no template title as a project', () => {
    const parsed = parseIssueBody('', catalog, { issueTitle: '[Cluster Request]: ' });
    assert.deepEqual(missingFields(parsed), ['name', 'email', 'project', 'description', 'open_source_url', 'machines']);
    assert.deepEqual(parsed.resources, []);
  });
});

describe('issue body: machines', () => {
  const machines = (text: string) =>
    parseIssueBody(`### What kind of machines and how many do you expect to use?\n\n${text}\n`, catalog).resources;

  it('reads the count before or after the plan, in the shapes people write', () => {
    assert.deepEqual(machines('5 nodes m3.large.x86'), [line('m3.large.x86', 5, null, null)]);
    assert.deepEqual(machines('2x c3.small.x86 in DA'), [line('c3.small.x86', 2, 'da', null)]);
    assert.deepEqual(machines('three c3.medium.x86'), [line('c3.medium.x86', 3, null, null)]);
    assert.deepEqual(machines('1 x c3.large.arm64 and 2 m3.small'), [
      line('c3.large.arm64', 1, null, null),
      line('m3.small.x86', 2, null, null),
    ]);
    assert.deepEqual(machines('m3.large.x86 x 5, c3.small.x86 x 2'), [
      line('m3.large.x86', 5, null, null),
      line('c3.small.x86', 2, null, null),
    ]);
    assert.deepEqual(machines('c3.small.x86 (x3)'), [line('c3.small.x86', 3, null, null)]);
    assert.deepEqual(machines('n3.xlarge.x86: 4'), [line('n3.xlarge.x86', 4, null, null)]);
    assert.deepEqual(machines('4 nodes of type c3.small.x86'), [line('c3.small.x86', 4, null, null)]);
    assert.deepEqual(machines('twenty c3.small.x86'), [line('c3.small.x86', 20, null, null)]);
    assert.deepEqual(machines('a c3.large.arm'), [line('c3.large.arm64', 1, null, null)], '"arm" means the arm64 plan');
  });

  it('takes one when no count is given, and never reads sizes or versions as counts', () => {
    assert.deepEqual(machines('c3.small.x86 with 64GB RAM'), [line('c3.small.x86', 1, null, null)]);
    assert.deepEqual(machines('Ubuntu 22.04 c3.small.x86'), [line('c3.small.x86', 1, null, 'ubuntu_22_04')]);
  });

  it('keeps a count it cannot hold as text instead of inventing one', () => {
    assert.deepEqual(machines('5000 x c3.small.x86'), [line('c3.small.x86', 1, null, null, '5000 x c3.small.x86')]);
  });

  it('keeps each line its own metro and OS', () => {
    assert.deepEqual(machines('- 2 c3.small.x86 in DA with Debian 12\n- 3 m3.large.x86 in AM with Talos v1.7'), [
      line('c3.small.x86', 2, 'da', 'debian_12'),
      line('m3.large.x86', 3, 'am', 'talos_v1'),
    ]);
  });

  it('reads metros from codes in capitals, facility codes and names, but not English words', () => {
    assert.deepEqual(machines('2 c3.small.x86 (da11)')[0]?.metro, 'da');
    assert.deepEqual(machines('2 c3.small.x86 in sjc1')[0]?.metro, 'sv');
    assert.deepEqual(machines('2 c3.small.x86, Singapore')[0]?.metro, 'sg');
    assert.deepEqual(machines('I am asking for 2 c3.small.x86')[0]?.metro, null);
  });

  it('keeps machine lines that name no plan as text', () => {
    assert.deepEqual(machines('2 x c3.small.x86\n3 bare metal servers with GPUs'), [
      line('c3.small.x86', 2, null, null),
      line(null, 3, null, null, '3 bare metal servers with GPUs'),
    ]);
  });

  it('caps the number of lines at what a request holds', () => {
    const many = Array.from({ length: 80 }, (_, i) => `${i + 1} x c3.small.x86`).join('\n');
    assert.equal(machines(many).length, 50);
  });
});

describe('issue body: operating systems', () => {
  const os = (text: string) =>
    parseIssueBody(`### Machines\n\n1 x c3.small.x86\n\n### What operating system and networking?\n\n${text}\n`, catalog).resources[0];

  it('maps the names people use onto the catalog', () => {
    assert.equal(os('Ubuntu 22.04')?.operating_system, 'ubuntu_22_04');
    assert.equal(os('ubuntu_22_04')?.operating_system, 'ubuntu_22_04');
    assert.equal(os('Ubuntu Jammy')?.operating_system, 'ubuntu_22_04');
    assert.equal(os('Debian bookworm')?.operating_system, 'debian_12');
    assert.equal(os('Flatcar')?.operating_system, 'flatcar_stable');
    assert.equal(os('Rocky Linux 9.3')?.operating_system, 'rocky_9');
    assert.equal(os('AlmaLinux 9')?.operating_system, 'almalinux_9');
    assert.equal(os('NixOS 23.05')?.operating_system, 'nixos_23_05');
    assert.equal(os('We will PXE boot our own image with iPXE')?.operating_system, 'custom_ipxe');
  });

  it('flags a version or a system the catalog does not have', () => {
    assert.deepEqual(os('Ubuntu 20.04'), line('c3.small.x86', 1, null, null, 'operating system "Ubuntu 20.04"'));
    assert.deepEqual(os('Fedora CoreOS'), line('c3.small.x86', 1, null, null, 'operating system "Fedora CoreOS"'));
    assert.deepEqual(os('whatever you have'), line('c3.small.x86', 1, null, null));
  });
});

describe('issue body: labels and values', () => {
  it('classifies the questions of both CNCF templates', () => {
    const cases: [string, string | null][] = [
      ['First and Last Name', 'name'],
      ['First Name', 'first_name'],
      ['Last Name', 'last_name'],
      ['Job Title', 'ignored'],
      [
        "Project Title (i.e., a summary of what do you want to do, not what is the name of the open source project you're working with)",
        'project',
      ],
      ["Briefly describe the project (i.e., what are the details of what you're planning to do with these servers?)", 'description'],
      [
        "Is the code that you're going to run 100% open source? If so, what is the URL or URLs where it is located? What is your association with that project?",
        'urls',
      ],
      [
        'What kind of machines and how many do you expect to use (see: <https://deploy.equinix.com/product/bare-metal/servers/>)?',
        'machines',
      ],
      ['What operating system and networking are you planning to use?', 'os'],
      ['Any other relevant details we should know about?', 'other'],
      ['Number of nodes requested (minimum 20 nodes, maximum 500 nodes).', 'machines'],
      ['Have you requested CNCF cluster resources or access in the past?', 'other'],
      ['Do you commit to publishing your results and upstreaming the open source code resulting from your work?', 'other'],
      ['Please state your contributions to the open source community and any other relevant initiatives', 'contributions'],
      ['Company/Organization', 'organization'],
      ['Weather today', null],
    ];
    for (const [label, field] of cases) assert.equal(classifyLabel(label), field, label);
  });

  it('leaves emphasis in prose alone: only known questions start a section', () => {
    const parsed = parseIssueBody(
      '### Briefly describe the project\n\nWe test kernels.\n**Important** we also need IPv6.\nNote: results go upstream.\n\n### Email\n\na@b.org',
      catalog,
    );
    assert.equal(parsed.project.description, 'We test kernels.\n**Important** we also need IPv6.\nNote: results go upstream.');
  });

  it('ignores template comments and questions inside code blocks', () => {
    const parsed = parseIssueBody('<!-- ### Email\nold@x.org -->\n### Briefly describe the project\n\n```\n### Email\n```\n', catalog);
    assert.equal(parsed.contact.email, null);
    assert.equal(parsed.project.description, '```\n### Email\n```');
  });

  it('reads CRLF bodies as GitHub stores them from the browser', () => {
    const parsed = parseIssueBody('### Email\r\n\r\nx@y.org\r\n\r\n### Project Title\r\n\r\nFoo\r\n', catalog);
    assert.equal(parsed.contact.email, 'x@y.org');
    assert.equal(parsed.project.title, 'Foo');
  });
});

describe('issue body: properties', () => {
  const fixtures = [
    '01-form-complete.md',
    '02-form-several-plans.md',
    '03-form-spelled-count.md',
    '05-form-unmatched-plans.md',
    '06-old-bold-labels.md',
    '07-old-plain-lines.md',
  ].map(fixture);
  const resourceLine = (entry: { quantity: number; plan: string | null; unmatched: string | null }) =>
    Number.isInteger(entry.quantity) && entry.quantity >= 1 && entry.quantity <= 1000 && (entry.plan !== null || entry.unmatched !== null);

  it('never throws on arbitrary text, and what it returns is always storable', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), fc.option(fc.string({ maxLength: 200 })), (body, title) => {
        const parsed = parseIssueBody(body, catalog, { issueTitle: title ?? undefined });
        assert.ok(parsed.resources.length <= 50);
        assert.ok(parsed.resources.every(resourceLine));
        assert.ok((parsed.project.title ?? '').length <= 200);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on template-shaped text with random answers', () => {
    const headings = [
      '### First and Last Name',
      '### Email',
      '### Project Title',
      '### Briefly describe the project',
      '### What kind of machines and how many do you expect to use?',
      '### What operating system and networking are you planning to use?',
      '**Email:**',
      'Machines:',
      '* **Repo**:',
    ];
    const piece = fc.oneof(
      fc.constantFrom(...headings),
      fc.constantFrom(
        '5 nodes m3.large.x86',
        'two c3.small in DA',
        '[x](https://github.com/a/b)',
        '_No response_',
        'x'.repeat(3000),
        '9'.repeat(30),
      ),
      fc.string({ maxLength: 100 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const parsed = parseIssueBody(pieces.join('\n'), catalog);
        assert.ok(parsed.resources.every(resourceLine));
      }),
      { numRuns: 300 },
    );
  });

  it('a required answer a fixture gives is never reported missing after noise is appended', () => {
    fc.assert(
      fc.property(fc.constantFrom(...fixtures), fc.string({ maxLength: 200 }), (body, noise) => {
        const before = parseIssueBody(body, catalog);
        const after = parseIssueBody(
          `${body}\n\n### Any other relevant details we should know about?\n\n${noise.replaceAll('#', '')}`,
          catalog,
        );
        assert.deepEqual(missingFields(after), missingFields(before));
        assert.deepEqual(after.resources, before.resources);
      }),
      { numRuns: 200 },
    );
  });
});
