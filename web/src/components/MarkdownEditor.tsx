import { unwrap } from '@surplus/api-client';
import { useId, useState } from 'react';
import { useSession } from '../session.tsx';
import { ErrorBanner } from './Banner.tsx';
import { Spinner } from './Loading.tsx';
import { Markdown } from './Markdown.tsx';

export type ControlProps = { id: string; 'aria-invalid': boolean | undefined; 'aria-describedby': string | undefined };

/**
 * Write/preview editor for Markdown (project descriptions, requests, comments, stories): the preview
 * is rendered by the server, exactly as the saved text will be. Use inside a Field, which passes
 * `control` so the label, hint and error belong to the textarea.
 */
export function MarkdownEditor({
  label,
  placeholder,
  value,
  onChange,
  error,
  control,
  isCompact = false,
}: {
  /** Names the Write/Preview tab list for screen readers, e.g. "Comment editor". */
  label: string;
  placeholder?: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  control: ControlProps;
  /** A shorter textarea, for comments and notes. */
  isCompact?: boolean;
}) {
  const { client } = useSession();
  const [mode, setMode] = useState<'write' | 'preview'>('write');
  const [preview, setPreview] = useState<{ source: string; html: string } | null>(null);
  const [previewError, setPreviewError] = useState<unknown>(undefined);
  const tabsId = useId();

  const showPreview = async () => {
    setMode('preview');
    if (preview?.source === value) return;
    setPreviewError(undefined);
    try {
      const rendered = await unwrap(client.POST('/api/v1/markdown', { body: { markdown: value } }));
      setPreview({ source: value, html: rendered.html });
    } catch (failure) {
      setPreviewError(failure);
    }
  };

  return (
    <div className={isCompact ? 'editor editor-compact' : 'editor'} data-invalid={error ? 'true' : undefined}>
      {/* Arrow keys move between the two tabs, as the ARIA tabs pattern expects. */}
      <div
        className="tabs"
        role="tablist"
        aria-label={label}
        tabIndex={-1}
        onKeyDown={(event) => {
          if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
          event.preventDefault();
          const next = mode === 'write' ? 'preview' : 'write';
          if (next === 'preview') void showPreview();
          else setMode('write');
          document.getElementById(`${tabsId}-${next}`)?.focus();
        }}
      >
        <button
          type="button"
          role="tab"
          id={`${tabsId}-write`}
          aria-selected={mode === 'write'}
          tabIndex={mode === 'write' ? 0 : -1}
          aria-controls={`${tabsId}-panel`}
          onClick={() => setMode('write')}
        >
          Write
        </button>
        <button
          type="button"
          role="tab"
          id={`${tabsId}-preview`}
          aria-selected={mode === 'preview'}
          tabIndex={mode === 'preview' ? 0 : -1}
          aria-controls={`${tabsId}-panel`}
          onClick={showPreview}
        >
          Preview
        </button>
      </div>
      <div role="tabpanel" id={`${tabsId}-panel`} aria-labelledby={`${tabsId}-${mode}`}>
        {mode === 'write' ? (
          <textarea
            className="textarea"
            {...control}
            value={value}
            onChange={(event) => onChange(event.target.value)}
            placeholder={placeholder}
          />
        ) : (
          <div className="editor-preview">
            <ErrorBanner error={previewError} title="Preview failed" />
            {preview?.source === value ? (
              value.trim() ? (
                <Markdown html={preview.html} />
              ) : (
                <p className="muted">Nothing to preview.</p>
              )
            ) : previewError ? null : (
              <Spinner label="Rendering preview" />
            )}
          </div>
        )}
      </div>
    </div>
  );
}
