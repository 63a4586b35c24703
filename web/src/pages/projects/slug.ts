/**
 * The slug suggested while someone types a project name. It mirrors the server's default
 * (projects.service.ts slugify) so the suggestion is what the server would pick; the server still
 * validates whatever is sent.
 */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}
