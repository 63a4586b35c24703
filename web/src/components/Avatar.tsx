const COLOURS = ['#2f6f9f', '#0b7a62', '#8250df', '#bf3989', '#9a6700', '#5a6b7b', '#1a7f37', '#0969da', '#b35900', '#6639ba'];

function initials(name: string) {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? `${words[0]?.[0] ?? ''}${words.at(-1)?.[0] ?? ''}` : (words[0]?.slice(0, 2) ?? '?');
  return letters.toUpperCase();
}

/** Initials on a colour picked from the name, so the same person always looks the same. */
export function Avatar({ name, isLarge = false }: { name: string; isLarge?: boolean }) {
  // FNV-1a: spreads similar names over the palette, where a plain multiply-add clusters them.
  let hash = 2166136261;
  for (const char of name) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 16777619) >>> 0;
  return (
    <span className={isLarge ? 'avatar avatar-lg' : 'avatar'} style={{ background: COLOURS[hash % COLOURS.length] }} aria-hidden="true">
      {initials(name)}
    </span>
  );
}
