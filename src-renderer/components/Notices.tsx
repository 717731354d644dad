import { useEffect } from 'react';
import { useConcord } from '../store/react';

/** Short confirmations ("The record was written."); errors stay where they happened instead. */
export function Notices() {
  const notices = useConcord((s) => s.notices);
  const dismiss = useConcord((s) => s.dismissNotice);
  useEffect(() => {
    if (notices.length === 0) return;
    const oldest = notices[0];
    const timer = setTimeout(() => oldest && dismiss(oldest.id), 6000);
    return () => clearTimeout(timer);
  }, [notices, dismiss]);
  return (
    <div className="notices" role="status" aria-live="polite">
      {notices.map((n) => (
        <p key={n.id} className={`notice notice-${n.tone}`}>
          {n.text}
          <button type="button" className="link-button" aria-label="Dismiss" onClick={() => dismiss(n.id)}>
            ×
          </button>
        </p>
      ))}
    </div>
  );
}
