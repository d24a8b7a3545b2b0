import { useRef, useState } from 'react';
import { useApp } from '../../store';

/**
 * The whole configuration (dataset, model, every design choice, the data, the seed) as a link:
 * the address bar always holds it; "Copy link" puts it on the clipboard. Problems with the link
 * the page was opened with are listed here.
 */
export function ShareLink() {
  // A string: the component renders again only when the configuration changes it.
  const link = useApp((s) => s.configLink());
  const notices = useApp((s) => s.linkNotices);
  const dismiss = useApp((s) => s.dismissLinkNotices);
  // What happened to which link: the message goes once the configuration (so the link) changes.
  const [lastCopy, setCopy] = useState<{ outcome: 'copied' | 'failed'; link: string } | null>(null);
  const copied = lastCopy?.link === link ? lastCopy.outcome : 'idle';
  const input = useRef<HTMLInputElement>(null);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setCopy({ outcome: 'copied', link });
    } catch {
      input.current?.select();
      setCopy({ outcome: 'failed', link });
    }
  };

  return (
    <section className="card share-link" aria-labelledby="share-title" data-testid="share-link">
      <h2 id="share-title">Share this configuration</h2>
      {notices.length > 0 && (
        <div className="warning link-notices" role="alert" data-testid="link-notices">
          <p>
            <strong>Some of the link could not be used:</strong>
          </p>
          <ul>
            {notices.map((n, i) => (
              <li key={i}>{n}</li>
            ))}
          </ul>
          <button type="button" className="link-button" onClick={dismiss}>
            Dismiss
          </button>
        </div>
      )}
      <p className="hint">
        The link holds the dataset, the model, every design choice, the amount of data and the seed: opening it sets
        them all up again.
      </p>
      <div className="share-row">
        <label className="sr-only" htmlFor="share-url">
          Link to this configuration
        </label>
        <input
          id="share-url"
          ref={input}
          className="share-url"
          type="text"
          readOnly
          value={link}
          onFocus={(e) => e.currentTarget.select()}
          data-testid="share-url"
        />
        <button type="button" className="secondary small" onClick={() => void copy()}>
          Copy link
        </button>
      </div>
      <p className="hint share-status" aria-live="polite">
        {copied === 'copied' && 'Copied to the clipboard.'}
        {copied === 'failed' && 'The browser did not allow copying: the link is selected, press Ctrl+C (⌘C on a Mac).'}
      </p>
    </section>
  );
}
