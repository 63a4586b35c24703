const COLOURS = ['#2f6f9f', '#0b7a62', '#8250df', '#bf3989', '#9a6700', '#cf222e', '#1a7f37', '#0969da'];

function initials(name: string) {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? `${words[0]?.[0] ?? ''}${words.at(-1)?.[0] ?? ''}` : (words[0]?.slice(0, 2) ?? '?');
  return letters.toUpperCase();
}

/** Initials on a colour picked from the name, so the same person always looks the same. */
export function Avatar({ name, isLarge = false }: { name: string; isLarge?: boolean }) {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return (
    <span className={isLarge ? 'avatar avatar-lg' : 'avatar'} style={{ background: COLOURS[hash % COLOURS.length] }} aria-hidden="true">
      {initials(name)}
    </span>
  );
}
