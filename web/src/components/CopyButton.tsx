import { useState } from 'react';
import { Button } from './Button.tsx';
import { Icon } from './Icon.tsx';

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [isCopied, setIsCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setIsCopied(true);
      setTimeout(() => setIsCopied(false), 2000);
    } catch {
      // Clipboard access can be refused (permissions, insecure origin); the text stays selectable.
      setIsCopied(false);
    }
  };
  return (
    <Button size="sm" onClick={copy} aria-live="polite">
      <Icon name={isCopied ? 'check' : 'copy'} size={14} />
      {isCopied ? 'Copied' : label}
    </Button>
  );
}
