/**
 * HTML that the server rendered from Markdown and sanitized (server/src/projects/markdown.ts keeps only
 * harmless tags and safe link schemes), so it can be inserted as is.
 */
export function Markdown({ html }: { html: string }) {
  // biome-ignore lint/security/noDangerouslySetInnerHtml: the server sanitizes this HTML with an allow-list
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}
