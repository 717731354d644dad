import { useEffect, useRef, useState } from 'react';

/**
 * Copies `text` to the clipboard and says so for a moment. Where the clipboard is not offered (a
 * page served over plain HTTP from another machine), it says to select the text instead, which
 * is shown beside the button anyway.
 */
export function CopyButton({ text, label, className }: { text: string; label: string; className?: string }) {
  const [said, setSaid] = useState<'copied' | 'select' | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  const copy = async () => {
    let ok = false;
    try {
      if (navigator.clipboard) {
        await navigator.clipboard.writeText(text);
        ok = true;
      }
    } catch {
      ok = false;
    }
    setSaid(ok ? 'copied' : 'select');
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => setSaid(null), 2000);
  };
  return (
    <button type="button" className={className ?? 'copy'} aria-label={label} onClick={() => void copy()}>
      {said === 'copied' ? 'Copied' : said === 'select' ? 'Select it to copy' : 'Copy'}
    </button>
  );
}
